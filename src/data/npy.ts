import { UserError } from '../errors';
import { unpickleNumpyObjectArray } from './numpy-pickle';

/** The numeric dtypes is-bench reads from .npy files (little-endian or byte-sized). */
export type NpyNumericDtype = 'u1' | 'i1' | 'b1' | 'u2' | 'i2' | 'u4' | 'i4' | 'i8' | 'u8' | 'f4' | 'f8';

export type NpyData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A parsed .npy array: numeric data as a typed array, or an object array as unpickled values. */
export type NpyArray =
  | { kind: 'numeric'; dtype: NpyNumericDtype; shape: number[]; data: NpyData }
  | { kind: 'object'; dtype: 'O'; shape: number[]; items: unknown[] };

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const ITEM_SIZE: Record<NpyNumericDtype, number> = { u1: 1, i1: 1, b1: 1, u2: 2, i2: 2, u4: 4, i4: 4, i8: 8, u8: 8, f4: 4, f8: 8 };

/**
 * Parses one .npy file (format versions 1-3). `file` names the source in errors, e.g.
 * "imdb.npz: x_train.npy". Object arrays ('|O', used by Keras' imdb.npz and reuters.npz for
 * lists of word ids) are unpickled. Data is copied so typed arrays are aligned.
 */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new UserError(`${file}: not a .npy array (bad magic; expected \\x93NUMPY)`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new UserError(`${file}: .npy format version ${major} is not supported (1 to 3)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new UserError(`${file}: truncated .npy header`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lengthBytes + headerLength;
  if (bytes.length < dataStart) throw new UserError(`${file}: truncated .npy header`);
  const header = Buffer.from(bytes.subarray(8 + lengthBytes, dataStart)).toString(major === 3 ? 'utf8' : 'latin1');
  const { descr, fortranOrder, shape } = parseHeader(header, file);
  const count = shape.reduce((a, b) => a * b, 1);
  const payload = bytes.subarray(dataStart);

  if (descr === '|O') {
    const items = unpickleNumpyObjectArray(payload, file);
    if (items.length !== count) {
      throw new UserError(`${file}: object array holds ${items.length} items, its header says ${count} (${shape.join('x')})`);
    }
    return { kind: 'object', dtype: 'O', shape, items };
  }

  const order = descr[0];
  const dtype = descr.slice(1) as NpyNumericDtype;
  if (!(dtype in ITEM_SIZE)) throw new UserError(`${file}: .npy dtype '${descr}' is not supported`);
  if (order === '>' && ITEM_SIZE[dtype] > 1) throw new UserError(`${file}: big-endian .npy data ('${descr}') is not supported`);
  if (fortranOrder && shape.length > 1) throw new UserError(`${file}: Fortran-ordered .npy arrays are not supported`);
  const expected = count * ITEM_SIZE[dtype];
  if (payload.length < expected) {
    throw new UserError(`${file}: truncated .npy data: header promises ${expected} bytes (${shape.join('x')} ${descr}), file holds ${payload.length}`);
  }
  if (payload.length > expected) {
    throw new UserError(`${file}: .npy data has ${payload.length - expected} bytes more than its header (${shape.join('x')} ${descr}) says`);
  }
  // a fresh, aligned ArrayBuffer; not payload.slice(), which on a Node Buffer is a view of the whole file
  const copy = new Uint8Array(payload).buffer;
  return { kind: 'numeric', dtype, shape, data: typedView(dtype, copy, count) };
}

function typedView(dtype: NpyNumericDtype, buffer: ArrayBufferLike, count: number): NpyData {
  switch (dtype) {
    case 'u1':
    case 'b1':
      return new Uint8Array(buffer, 0, count);
    case 'i1':
      return new Int8Array(buffer, 0, count);
    case 'u2':
      return new Uint16Array(buffer, 0, count);
    case 'i2':
      return new Int16Array(buffer, 0, count);
    case 'u4':
      return new Uint32Array(buffer, 0, count);
    case 'i4':
      return new Int32Array(buffer, 0, count);
    case 'i8':
      return new BigInt64Array(buffer, 0, count);
    case 'u8':
      return new BigUint64Array(buffer, 0, count);
    case 'f4':
      return new Float32Array(buffer, 0, count);
    case 'f8':
      return new Float64Array(buffer, 0, count);
  }
}

/** The header is a Python dict literal: {'descr': '<i8', 'fortran_order': False, 'shape': (3, 4), } */
function parseHeader(header: string, file: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new UserError(`${file}: malformed .npy header ${JSON.stringify(header.trim().slice(0, 120))}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new UserError(`${file}: malformed .npy shape (${shapeText})`);
      return n;
    });
  return { descr, fortranOrder: fortran === 'True', shape };
}

/** Numeric .npy data as Int32 (labels, ids), checking every value fits. */
export function npyToInt32(array: NpyArray, file: string): Int32Array {
  if (array.kind !== 'numeric' || array.dtype === 'f4' || array.dtype === 'f8') {
    throw new UserError(`${file}: expected an integer array, found dtype ${array.dtype}`);
  }
  const out = new Int32Array(array.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(array.data[i]);
    if (v > 2147483647 || v < -2147483648) throw new UserError(`${file}: value ${v} at position ${i} does not fit in int32`);
    out[i] = v;
  }
  return out;
}
