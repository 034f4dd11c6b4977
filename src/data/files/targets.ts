/**
 * Turning a file's target values into the dataset contract's targets: sorted classes (one-hot
 * rows), a binary 0/1 column, or float regression rows. Classes come from the training data;
 * a test value never seen in training is an error, since no output unit was trained for it.
 */
import { UserError } from '../../errors';
import type { LabelKind } from '../../spec';
import { oneHot } from '../one-hot';
import type { TargetChoice } from './options';
import { parseDecimal } from './numbers';

/** Targets as text, one per sample: csv cells, jsonl values, image folder names. */
export interface TextTargets {
  kind: 'text';
  file: string;
  values: string[];
  /** Where sample i is, for messages: 'line 8, column "cultivar"'. */
  where(i: number): string;
}

/** Targets as numbers, `width` per sample: a y.npy array, or several csv label columns. */
export interface NumericTargets {
  kind: 'numeric';
  file: string;
  values: Float64Array;
  width: number;
  where(i: number): string;
}

export type RawTargets = TextTargets | NumericTargets;

export interface EncodedSplitTargets {
  y: Float32Array;
  labels: Int32Array;
}

export interface EncodedTargets {
  labelKind: LabelKind;
  /** Classes, or the width of a regression target. */
  numClasses: number;
  /** Class id -> the name in the file (absent for regression). */
  classNames?: string[];
  train: EncodedSplitTargets;
  test?: EncodedSplitTargets;
  /** One info line: what the targets were read as and, for classes, the whole mapping. */
  note: string;
}

const count = (t: RawTargets) => (t.kind === 'text' ? t.values.length : t.values.length / t.width);

/** Encodes training and test targets together: classes are those of the training data. */
export function encodeTargets(train: RawTargets, test: RawTargets | undefined, choice: TargetChoice, what: string): EncodedTargets {
  if (test && test.kind !== train.kind) throw new Error('train and test targets of different kinds');
  const kind = choice === 'auto' ? autoKind(train, test) : choice;
  if (kind === 'regression') return regression(train, test, what, choice === 'auto');
  if (train.kind === 'numeric' && train.width > 1) return oneHotClasses(train, test as NumericTargets | undefined, kind, what);
  const keys = (t: RawTargets) => (t.kind === 'text' ? t.values.map(classKey) : Array.from(t.values, (v) => String(v)));
  const trainKeys = keys(train);
  const names = sortClassNames([...new Set(trainKeys)]);
  if (names.length < 2) {
    throw new UserError(`${train.file}: ${what} has ${names.length === 0 ? 'no values' : `one value only ("${names[0]}")`}; a classification task needs at least 2 classes`);
  }
  if (kind === 'binary' && names.length !== 2) {
    throw new UserError(`${train.file}: target: binary needs exactly 2 classes in ${what}, found ${names.length} (${preview(names)}); use target: classes`);
  }
  const ids = new Map(names.map((n, i) => [n, i]));
  const encode = (t: RawTargets, k: string[]): EncodedSplitTargets => {
    const labels = new Int32Array(k.length);
    for (let i = 0; i < k.length; i++) {
      const id = ids.get(k[i]);
      if (id === undefined) {
        throw new UserError(
          `${t.file}: ${t.where(i)}: class "${k[i]}" does not occur in the training data (${train.file}); ` +
            `every test class must be seen in training (classes: ${preview(names)})`,
        );
      }
      labels[i] = id;
    }
    return { y: kind === 'binary' ? Float32Array.from(labels) : oneHot(labels, names.length), labels };
  };
  // ids already 0..k-1 need no mapping; anything else is spelled out for summary.json
  const identity = names.every((n, i) => n === String(i));
  const mapping = identity ? `class ids 0-${names.length - 1} as in the file` : names.map((n, i) => `${i}=${n}`).join(', ');
  return {
    labelKind: kind === 'binary' ? 'binary' : 'categorical',
    numClasses: names.length,
    classNames: names,
    train: encode(train, trainKeys),
    ...(test ? { test: encode(test, keys(test)) } : {}),
    note: `${what}: ${names.length} classes${kind === 'binary' ? ' (binary: 0/1)' : ''}: ${mapping}`,
  };
}

/** Regression when every value is a number and some are not integers; classes otherwise. */
function autoKind(train: RawTargets, test: RawTargets | undefined): 'classes' | 'regression' {
  const all = test ? [train, test] : [train];
  if (all.every((t) => t.kind === 'numeric')) {
    const numeric = all as NumericTargets[];
    if (numeric[0].width > 1) return numeric.every(isOneHot) ? 'classes' : 'regression';
    return numeric.every((t) => t.values.every(Number.isInteger)) ? 'classes' : 'regression';
  }
  const texts = all as TextTargets[];
  let fractional = false;
  for (const t of texts) {
    for (const v of t.values) {
      const x = parseDecimal(v);
      if (x === undefined) return 'classes';
      if (!Number.isInteger(x)) fractional = true;
    }
  }
  return fractional ? 'regression' : 'classes';
}

function isOneHot(t: NumericTargets): boolean {
  return firstNonOneHotRow(t) === undefined;
}

function firstNonOneHotRow(t: NumericTargets): number | undefined {
  const n = t.values.length / t.width;
  for (let i = 0; i < n; i++) {
    let ones = 0;
    for (let j = 0; j < t.width; j++) {
      const v = t.values[i * t.width + j];
      if (v === 1) ones++;
      else if (v !== 0) return i;
    }
    if (ones !== 1) return i;
  }
  return undefined;
}

function oneHotClasses(train: NumericTargets, test: NumericTargets | undefined, kind: 'classes' | 'binary', what: string): EncodedTargets {
  if (kind === 'binary') {
    throw new UserError(`${train.file}: target: binary needs one 0/1 value per sample, but ${what} has ${train.width} per sample; use target: classes`);
  }
  const encode = (t: NumericTargets): EncodedSplitTargets => {
    const bad = firstNonOneHotRow(t);
    if (bad !== undefined) {
      const row = Array.from(t.values.subarray(bad * t.width, (bad + 1) * t.width)).join(', ');
      throw new UserError(`${t.file}: ${t.where(bad)} is [${preview([row])}], not a one-hot row; class targets of width ${t.width} must be one-hot (or use target: regression)`);
    }
    const n = count(t);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) labels[i] = t.values.subarray(i * t.width, (i + 1) * t.width).indexOf(1);
    return { y: Float32Array.from(t.values), labels };
  };
  if (test && test.width !== train.width) {
    throw new UserError(`${test.file}: one-hot rows of width ${test.width}, but the training targets (${train.file}) have width ${train.width}`);
  }
  const names = Array.from({ length: train.width }, (_, i) => String(i));
  const encodedTrain = encode(train);
  const encodedTest = test ? encode(test) : undefined;
  if (encodedTest) {
    const seen = new Set(encodedTrain.labels);
    const i = encodedTest.labels.findIndex((l) => !seen.has(l));
    if (i >= 0) throw new UserError(`${test!.file}: ${test!.where(i)}: class ${encodedTest.labels[i]} does not occur in the training data (${train.file}); every test class must be seen in training`);
  }
  return {
    labelKind: 'categorical',
    numClasses: train.width,
    classNames: names,
    train: encodedTrain,
    ...(encodedTest ? { test: encodedTest } : {}),
    note: `${what}: one-hot rows, ${train.width} classes`,
  };
}

function regression(train: RawTargets, test: RawTargets | undefined, what: string, chosen: boolean): EncodedTargets {
  const width = train.kind === 'numeric' ? train.width : 1;
  if (test && test.kind === 'numeric' && test.width !== width) {
    throw new UserError(`${test.file}: targets of width ${test.width}, but the training targets (${train.file}) have width ${width}`);
  }
  const encode = (t: RawTargets): EncodedSplitTargets => {
    const n = count(t);
    const y = new Float32Array(n * width);
    if (t.kind === 'numeric') {
      for (let i = 0; i < t.values.length; i++) {
        if (!Number.isFinite(t.values[i])) throw new UserError(`${t.file}: ${t.where(Math.floor(i / width))}: target ${t.values[i]} is not a finite number`);
        y[i] = t.values[i];
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = parseDecimal(t.values[i]);
        if (v === undefined) throw new UserError(`${t.file}: ${t.where(i)}: ${JSON.stringify(t.values[i])} is not a number (a regression target must be numeric)`);
        y[i] = v;
      }
    }
    return { y, labels: new Int32Array(n) };
  };
  const how = chosen ? ' (numbers with fractions; set target: classes to treat them as classes)' : '';
  return {
    labelKind: 'regression',
    numClasses: width,
    train: encode(train),
    ...(test ? { test: encode(test) } : {}),
    note: `${what}: regression target, ${width} value${width === 1 ? '' : 's'} per sample${how}`,
  };
}

/** A class name as written, trimmed; numbers by value, so "1" and "1.0" are one class. */
function classKey(value: string): string {
  const v = value.trim();
  const x = parseDecimal(v);
  return x === undefined ? v : String(x);
}

/** Numbers in numeric order when every name is a number, else by code unit (locale-independent). */
export function sortClassNames(names: string[]): string[] {
  const numbers = names.map(parseDecimal);
  if (numbers.every((x) => x !== undefined)) return names.map((n, i) => [n, numbers[i]!] as const).sort((a, b) => a[1] - b[1]).map(([n]) => n);
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function preview(items: string[]): string {
  const shown = items.slice(0, 10).join(', ');
  const cut = shown.length > 120 ? shown.slice(0, 117) + '...' : shown;
  return items.length > 10 ? `${cut}, ... ${items.length} in all` : cut;
}
