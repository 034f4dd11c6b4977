/**
 * numpy arrays as a dataset: an x.npy / y.npy pair per split, or one .npz with Keras' member
 * names (x_train, y_train, x_test, y_test). Any float or integer dtype, C order; x's first axis is
 * the sample axis and the rest is the input shape; y holds class ids, one-hot rows or
 * regression targets (see targets.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../../errors';
import { parseNpy, type NpyArray } from '../npy';
import { readNpz } from '../npz';
import { checkFileSize, checkInputSize, MAX_BINARY_FILE_BYTES } from './limits';
import type { NpyPair, NpySource, NpzSource } from './options';
import { requireFile } from './paths';
import type { SourceData, SourceSplit } from './source-data';
import type { NumericTargets } from './targets';

const TOO_BIG_FIX = 'split it, or use fewer samples';

function readNpyFile(file: string, what: string): NpyArray {
  requireFile(file, what);
  checkFileSize(file, MAX_BINARY_FILE_BYTES, 'a .npy file', TOO_BIG_FIX);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseNpy(bytes, file);
}

/** The two files of a pair: a folder holding x.npy and y.npy, or {x, y}. */
export function pairFiles(pair: NpyPair): { x: string; y: string } {
  return typeof pair === 'string' ? { x: path.join(pair, 'x.npy'), y: path.join(pair, 'y.npy') } : pair;
}

function numeric(a: NpyArray, file: string): Extract<NpyArray, { kind: 'numeric' }> {
  if (a.kind !== 'numeric') {
    throw new UserError(`${file}: an object array (dtype O: Python lists); save a numeric array instead (pad ragged sequences first, e.g. with pad_sequences)`);
  }
  return a;
}

interface InputOptions {
  inputDtype: 'float32' | 'int32';
  divideBy?: number;
}

/** x: samples along the first axis, as float32 (divided by divideBy) or int32 token ids. */
function inputs(a: NpyArray, file: string, o: InputOptions): { x: Float32Array | Int32Array; n: number; shape: number[]; maxId: number } {
  const arr = numeric(a, file);
  if (arr.shape.length === 0) throw new UserError(`${file}: a 0-dimensional array; x needs a sample axis first, e.g. shape (n, features)`);
  const n = arr.shape[0];
  if (n === 0) throw new UserError(`${file}: holds no samples (shape ${shapeText(arr.shape)})`);
  const shape = arr.shape.length === 1 ? [1] : arr.shape.slice(1);
  checkInputSize(file, arr.data.length, `shape ${shapeText(arr.shape)}`);
  const at = (i: number) => `${file}: x${indexText(i, arr.shape)}`;
  if (o.inputDtype === 'int32') {
    if (arr.dtype === 'f4' || arr.dtype === 'f8') throw new UserError(`${file}: inputDtype int32 needs an integer array (token ids), found dtype ${arr.dtype}`);
    const x = new Int32Array(arr.data.length);
    let maxId = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Number(arr.data[i]);
      if (v < 0 || v > 2147483647) throw new UserError(`${at(i)} is ${v}, not a token id (an integer from 0 to 2^31 - 1)`);
      x[i] = v;
      if (v > maxId) maxId = v;
    }
    return { x, n, shape, maxId };
  }
  const x = new Float32Array(arr.data.length);
  const scale = o.divideBy ?? 1;
  for (let i = 0; i < x.length; i++) {
    const v = Number(arr.data[i]) / scale;
    if (!Number.isFinite(v)) throw new UserError(`${at(i)} is ${Number(arr.data[i])}; inputs must be finite numbers`);
    x[i] = v;
  }
  return { x, n, shape, maxId: 0 };
}

/** y: (n,) or (n, 1) class ids or targets, (n, k) one-hot rows or k regression targets. */
function targets(a: NpyArray, file: string, n: number, xFile: string): NumericTargets {
  const arr = numeric(a, file);
  if (arr.shape.length === 0 || arr.shape.length > 2) {
    throw new UserError(`${file}: y of shape ${shapeText(arr.shape)}; expected (n,) class ids or targets, or (n, k) one-hot rows or k targets per sample`);
  }
  if (arr.shape[0] !== n) throw new UserError(`${file}: ${arr.shape[0]} targets for the ${n} samples of ${xFile}`);
  const width = arr.shape.length === 2 ? arr.shape[1] : 1;
  if (width === 0) throw new UserError(`${file}: y of shape ${shapeText(arr.shape)} holds no target values`);
  const values = Float64Array.from(arr.data as ArrayLike<number | bigint>, (v) => Number(v));
  return { kind: 'numeric', file, values, width, where: (i) => `y[${i}]` };
}

function split(x: NpyArray, y: NpyArray, files: { x: string; y: string }, o: InputOptions): { split: SourceSplit; shape: number[]; maxId: number } {
  const xs = inputs(x, files.x, o);
  return { split: { x: xs.x, n: xs.n, targets: targets(y, files.y, xs.n, files.x) }, shape: xs.shape, maxId: xs.maxId };
}

function assemble(
  train: ReturnType<typeof split>,
  test: ReturnType<typeof split> | undefined,
  o: InputOptions,
  where: { train: string; test?: string },
  targetName: string,
  format: 'npy' | 'npz',
): SourceData {
  if (test && shapeText(test.shape) !== shapeText(train.shape)) {
    throw new UserError(`${where.test}: samples of shape ${shapeText(test.shape)}, but the training samples (${where.train}) are ${shapeText(train.shape)}`);
  }
  const vocabSize = o.inputDtype === 'int32' ? Math.max(train.maxId, test?.maxId ?? 0) + 1 : undefined;
  return {
    inputShape: train.shape,
    inputDtype: o.inputDtype,
    ...(vocabSize !== undefined ? { vocabSize } : {}),
    train: train.split,
    ...(test ? { test: test.split } : {}),
    targetName,
    info: [
      `${format}: ${train.split.n} training samples${test ? `, ${test.split.n} test samples` : ''} of shape ${shapeText(train.shape)}` +
        (vocabSize !== undefined ? ` (token ids < ${vocabSize})` : ''),
    ],
  };
}

export function readNpySource(src: NpySource, files: { train: NpyPair; test?: NpyPair }): SourceData {
  const load = (pair: NpyPair, what: string) => {
    const f = pairFiles(pair);
    return split(readNpyFile(f.x, `${what} x`), readNpyFile(f.y, `${what} y`), f, src);
  };
  const train = load(files.train, 'the training');
  const test = files.test ? load(files.test, 'the test') : undefined;
  return assemble(train, test, src, { train: pairFiles(files.train).x, test: files.test && pairFiles(files.test).x }, 'y.npy', 'npy');
}

export function readNpzSource(src: NpzSource): SourceData {
  const file = src.path;
  requireFile(file, 'dataset.path');
  checkFileSize(file, MAX_BINARY_FILE_BYTES, 'a .npz file', TOO_BIG_FIX);
  const npz = readNpz(file);
  const member = (name: string) => ({ name, file: `${file} (${name}.npy)` });
  const read = (xName: string, yName: string) => {
    const x = member(xName);
    const y = member(yName);
    return split(npz.get(xName), npz.get(yName), { x: x.file, y: y.file }, src);
  };
  const train = read('x_train', 'y_train');
  const hasTest = npz.names.includes('x_test') || npz.names.includes('y_test');
  const test = hasTest ? read('x_test', 'y_test') : undefined;
  return assemble(train, test, src, { train: member('x_train').file, ...(test ? { test: member('x_test').file } : {}) }, 'y_train', 'npz');
}

function shapeText(shape: number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** "[3, 4]": the C-order index of flat position i in an array of `shape`. */
function indexText(i: number, shape: number[]): string {
  const idx: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}
