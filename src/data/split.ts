import { UserError } from '../errors';
import type { DataSplit } from '../spec';
import type { ValidationSource } from './dataset-contract';

/** Values per sample of a split's inputs and targets. */
function widths(split: DataSplit): { x: number; y: number } {
  return { x: split.n === 0 ? 0 : split.x.length / split.n, y: split.n === 0 ? 0 : split.y.length / split.n };
}

/** Samples [from, to) of a split, as views (no copy). */
export function sliceSplit(split: DataSplit, from: number, to: number): DataSplit {
  const w = widths(split);
  return {
    x: split.x.subarray(from * w.x, to * w.x) as DataSplit['x'],
    y: split.y.subarray(from * w.y, to * w.y),
    labels: split.labels.subarray(from, to),
    n: to - from,
  };
}

/** The first `n` samples of a split (deterministic subsetting for --limit). */
export function takeFirst(split: DataSplit, n: number): DataSplit {
  return n >= split.n ? split : sliceSplit(split, 0, n);
}

/** The samples at `order` positions, in that order (a copy). */
export function reorderSplit(split: DataSplit, order: ArrayLike<number>): DataSplit {
  const w = widths(split);
  const x = split.x instanceof Int32Array ? new Int32Array(order.length * w.x) : new Float32Array(order.length * w.x);
  const y = new Float32Array(order.length * w.y);
  const labels = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const j = order[i];
    x.set(split.x.subarray(j * w.x, (j + 1) * w.x), i * w.x);
    y.set(split.y.subarray(j * w.y, (j + 1) * w.y), i * w.y);
    labels[i] = split.labels[j];
  }
  return { x, y, labels, n: order.length };
}

/**
 * Keras validation_split: the last `fraction` of the training samples, without shuffling;
 * Keras keeps int(n * (1 - fraction)) for training (8982 -> 8083 train / 899 validation).
 */
export function holdOut(train: DataSplit, fraction: number): { train: DataSplit; validation: DataSplit } {
  const nVal = train.n - Math.floor(train.n * (1 - fraction));
  if (nVal < 1 || nVal >= train.n) {
    throw new UserError(`dataset.validation.holdout ${fraction} leaves no validation or no training samples (of ${train.n})`);
  }
  return { train: sliceSplit(train, 0, train.n - nVal), validation: sliceSplit(train, train.n - nVal, train.n) };
}

/** The splits a run uses, after the config's `validation` and `limit` choices. */
export interface ChosenSplits {
  train: DataSplit;
  /** What val_* columns are measured on. */
  validation: DataSplit;
  /** The test split, when validation was held out of train (measured once, at the end). */
  test?: DataSplit;
  /** Lines for the log saying what was chosen. */
  info: string[];
}

/**
 * Validation on the test split, or on a holdout of train (the test split, if any, is then kept
 * for the end); then the first `limit` training samples. `noTest` explains a missing test split.
 */
export function chooseSplits(
  train: DataSplit,
  test: DataSplit | undefined,
  choice: { validation: ValidationSource; limit?: number },
  noTest: () => Error,
): ChosenSplits {
  const info: string[] = [];
  let chosen: ChosenSplits;
  if (choice.validation === 'test') {
    if (!test) throw noTest();
    chosen = { train, validation: test, info };
  } else {
    const held = holdOut(train, choice.validation.holdout);
    chosen = { ...held, ...(test ? { test } : {}), info };
    info.push(`Train on ${held.train.n} samples, validate on ${held.validation.n} held-out samples`);
  }
  if (choice.limit !== undefined && choice.limit < chosen.train.n) {
    chosen.train = takeFirst(chosen.train, choice.limit);
    info.push(`--limit: using the first ${chosen.train.n} training samples`);
  }
  return chosen;
}
