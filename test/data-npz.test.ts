import * as fs from 'fs';
import * as path from 'path';
import { zipSync } from 'fflate';
import { UserError } from '../src/errors';
import { parseNpy, npyToInt32 } from '../src/data/npy';
import { readNpz } from '../src/data/npz';
import { itemsToIntSequences, unpickleNumpyObjectArray } from '../src/data/numpy-pickle';
import { NUMPY_IMDB_LIKE_NPZ, tempDir } from './helpers/data-fixtures';

/** A .npy file as numpy writes it (format 1.0, header padded to a multiple of 64 bytes). */
function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(data, 10 + header.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

// pickle.dumps(np.array([[1, 2, 65536], []], dtype=object), protocol=2) by numpy 2.4
const NUMPY_OBJECT_ARRAY_PROTOCOL_2 =
  'gAJjbnVtcHkuX2NvcmUubXVsdGlhcnJheQpfcmVjb25zdHJ1Y3QKcQBjbnVtcHkKbmRhcnJheQpxAUsAhXECY19jb2RlY3MKZW5jb2RlCnEDWAEAAABicQRYBgAAAGxhdGluMXEFhnEGUnEHh3EIUnEJKEsBSwKFcQpjbnVtcHkKZHR5cGUKcQtYAgAAAE84cQyJiIdxDVJxDihLA1gBAAAAfHEPTk5OSv////9K/////0s/dHEQYoldcREoXXESKEsBSwJKAAABAGVdcRNldHEUYi4=';

describe('.npy reader', () => {
  test('reads numeric arrays with their shape', () => {
    const a = parseNpy(npy('<i4', [2, 3], bytesOf(Int32Array.from([1, -2, 3, 4, 5, 600000]))), 'a.npy');
    expect(a.kind).toBe('numeric');
    if (a.kind !== 'numeric') return;
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data as Int32Array)).toEqual([1, -2, 3, 4, 5, 600000]);
    const b = parseNpy(npy('|u1', [4], Uint8Array.from([0, 7, 255, 3])), 'b.npy');
    expect(b.kind === 'numeric' && Array.from(b.data as Uint8Array)).toEqual([0, 7, 255, 3]);
  });

  test('int64 labels convert to int32, values that do not fit are refused', () => {
    const ok = parseNpy(npy('<i8', [3], bytesOf(BigInt64Array.from([0n, 45n, 1n]))), 'y.npy');
    expect(Array.from(npyToInt32(ok, 'y.npy'))).toEqual([0, 45, 1]);
    const big = parseNpy(npy('<i8', [1], bytesOf(BigInt64Array.from([1n << 40n]))), 'y.npy');
    expect(() => npyToInt32(big, 'y.npy')).toThrow(/y\.npy: value 1099511627776 .* int32/);
  });

  test('wrong magic, truncated data, extra data and unsupported dtypes are UserErrors naming the file', () => {
    const good = npy('<f4', [2, 2], bytesOf(Float32Array.from([1, 2, 3, 4])));
    const badMagic = good.slice();
    badMagic[1] = 0x41;
    expect(() => parseNpy(badMagic, 'x.npy')).toThrow(UserError);
    expect(() => parseNpy(badMagic, 'x.npy')).toThrow(/x\.npy: not a \.npy array/);
    expect(() => parseNpy(good.subarray(0, good.length - 3), 'x.npy')).toThrow(/x\.npy: truncated \.npy data: header promises 16 bytes/);
    expect(() => parseNpy(good.subarray(0, 20), 'x.npy')).toThrow(/x\.npy: truncated \.npy header/);
    expect(() => parseNpy(Uint8Array.from([...good, 0, 0, 0, 0]), 'x.npy')).toThrow(/4 bytes more than its header/);
    expect(() => parseNpy(npy('<c8', [1], new Uint8Array(8)), 'c.npy')).toThrow(/c\.npy: \.npy dtype '<c8' is not supported/);
    expect(() => parseNpy(npy('>i4', [1], new Uint8Array(4)), 'be.npy')).toThrow(/big-endian/);
  });
});

describe('numpy object arrays (pickled lists of word ids)', () => {
  test('protocol 2 pickle, as older numpy/Keras wrote, and the pre-2.0 module name', () => {
    const bytes = Buffer.from(NUMPY_OBJECT_ARRAY_PROTOCOL_2, 'base64');
    expect(itemsToIntSequences(unpickleNumpyObjectArray(bytes, 'p2'), 'p2').map((s) => Array.from(s))).toEqual([[1, 2, 65536], []]);
    // numpy < 2 names the module numpy.core.multiarray; protocol 2 writes it as text (GLOBAL)
    const old = Buffer.from(bytes.toString('latin1').replace('numpy._core.multiarray', 'numpy.core.multiarray'), 'latin1');
    expect(itemsToIntSequences(unpickleNumpyObjectArray(old, 'p2-old'), 'p2-old').map((s) => s.length)).toEqual([3, 0]);
  });

  test('a truncated pickle is a UserError naming the file', () => {
    const bytes = Buffer.from(NUMPY_OBJECT_ARRAY_PROTOCOL_2, 'base64');
    expect(() => unpickleNumpyObjectArray(bytes.subarray(0, bytes.length - 20), 'imdb.npz (x_train.npy)')).toThrow(
      /imdb\.npz \(x_train\.npy\): cannot unpickle .* damaged or truncated/,
    );
  });

  test('items that are not lists of ids are refused', () => {
    expect(() => itemsToIntSequences([[1, 2], 'text'], 'f')).toThrow(/f: item 1 is not a list/);
    expect(() => itemsToIntSequences([[1, -4]], 'f')).toThrow(/f: item 0 holds -4/);
  });
});

describe('.npz reader', () => {
  test('reads an npz written by numpy: object arrays of lists and int64 labels', () => {
    const dir = tempDir();
    const file = path.join(dir, 'imdb.npz');
    fs.writeFileSync(file, Buffer.from(NUMPY_IMDB_LIKE_NPZ, 'base64'));
    const npz = readNpz(file);
    expect(npz.names.sort()).toEqual(['x_test', 'x_train', 'y_test', 'y_train']);
    const x = npz.get('x_train');
    expect(x.kind).toBe('object');
    if (x.kind !== 'object') return;
    expect(itemsToIntSequences(x.items, 'x').map((s) => Array.from(s))).toEqual([[1, 14, 22, 16], [5, 300, 70000], []]);
    expect(Array.from(npyToInt32(npz.get('y_test'), 'y'))).toEqual([0, 1]);
  });

  test('deflated members (np.savez_compressed) read the same', () => {
    const dir = tempDir();
    const file = path.join(dir, 'm.npz');
    const member = npy('|u1', [2, 2], Uint8Array.from([1, 2, 3, 4]));
    fs.writeFileSync(file, zipSync({ 'x.npy': [member, { level: 6 }] }));
    const x = readNpz(file).get('x');
    expect(x.kind === 'numeric' && Array.from(x.data as Uint8Array)).toEqual([1, 2, 3, 4]);
  });

  test('missing member, truncated zip and a damaged member are UserErrors naming the file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'reuters.npz');
    fs.writeFileSync(file, zipSync({ 'x.npy': npy('|u1', [1], Uint8Array.from([1])) }));
    expect(() => readNpz(file).get('y')).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}: missing member y\\.npy \\(it holds: x\\.npy\\)`));

    const whole = Buffer.from(NUMPY_IMDB_LIKE_NPZ, 'base64');
    fs.writeFileSync(file, whole.subarray(0, whole.length - 100));
    expect(() => readNpz(file)).toThrow(/reuters\.npz: not a readable \.npz \(zip\) file/);

    const npyBytes = npy('<i4', [4], bytesOf(Int32Array.from([1, 2, 3, 4])));
    fs.writeFileSync(file, zipSync({ 'y.npy': npyBytes.subarray(0, npyBytes.length - 4) }, { level: 0 }));
    expect(() => readNpz(file).get('y')).toThrow(/reuters\.npz \(y\.npy\): truncated \.npy data/);
  });
});
