/** format: npy (an x/y pair) and npz (Keras' x_train, y_train, x_test, y_test). */
import * as fs from 'fs';
import { MAX_BINARY_FILE_BYTES } from '../src/data/files/limits';
import { NUMPY_KERAS_LAYOUT_NPZ, npyBytes, npzBytes, tempDir, writeTree } from './helpers/data-fixtures';
import { file, loadError, loadFiles } from './helpers/data-files';

const dir = tempDir('isb-npy-');

/** A folder holding x.npy and y.npy. */
function pair(name: string, x: Buffer, y: Buffer): string {
  return writeTree(file(dir, name), { 'x.npy': x, 'y.npy': y });
}

const f8 = (shape: number[], values: number[]) => npyBytes('<f8', shape, Float64Array.from(values));
const i8 = (shape: number[], values: number[]) => npyBytes('<i8', shape, BigInt64Array.from(values.map(BigInt)));

describe('npy pairs', () => {
  test('float64 x and int64 class ids: shape from x, classes sorted, one-hot rows', async () => {
    const train = pair('ids-train', f8([4, 2, 2], Array.from({ length: 16 }, (_, i) => i)), i8([4], [3, 5, 3, 7]));
    const test = pair('ids-test', f8([1, 2, 2], [0, 1, 2, 3]), i8([1], [7]));
    const ds = await loadFiles('npy', { train, test, shuffle: false });
    expect(ds.inputShape).toEqual([2, 2]);
    expect(ds.classNames).toEqual(['3', '5', '7']);
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 0, 2]);
    expect(Array.from(ds.validation.labels)).toEqual([2]);
    expect(Array.from(ds.train.x.subarray(4, 8))).toEqual([4, 5, 6, 7]);
  });

  test('uint8 pixels divided by 255; one-hot float32 y rows; the pair given as two files', async () => {
    const x = npyBytes('|u1', [2, 3], Uint8Array.from([0, 255, 51, 102, 204, 0]));
    const y = npyBytes('<f4', [2, 3], Float32Array.from([0, 0, 1, 1, 0, 0]));
    writeTree(dir, { 'pix-x.npy': x, 'pix-y.npy': y });
    const ds = await loadFiles('npy', { path: { x: file(dir, 'pix-x.npy'), y: file(dir, 'pix-y.npy') }, divideBy: 255, shuffle: false }, { validation: { holdout: 0.5 } });
    expect(Array.from(ds.train.x)).toEqual([0, 1, 0.2].map(Math.fround));
    expect(ds.numClasses).toBe(3);
    expect(Array.from(ds.train.labels)).toEqual([2]);
    expect(ds.info).toContain('y.npy: one-hot rows, 3 classes');
  });

  test('float y of width 2 that is not one-hot is a regression target', async () => {
    const p = pair('reg', f8([3, 1], [1, 2, 3]), f8([3, 2], [0.5, 1, 1.5, 2, 2.5, 3]));
    const ds = await loadFiles('npy', { path: p, shuffle: false }, { validation: { holdout: 0.3 } });
    expect(ds.labelKind).toBe('regression');
    expect(ds.numClasses).toBe(2);
    expect(Array.from(ds.train.y)).toEqual([0.5, 1, 1.5, 2]);
  });

  test('inputDtype int32: token ids for an embedding, vocabulary from the largest id', async () => {
    const p = pair('tokens', npyBytes('<i4', [2, 3], Int32Array.from([1, 5, 9, 0, 2, 41])), i8([2], [0, 1]));
    const ds = await loadFiles('npy', { path: p, inputDtype: 'int32', target: 'binary', shuffle: false }, { validation: { holdout: 0.5 } });
    expect(ds.inputDtype).toBe('int32');
    expect(ds.train.x).toBeInstanceOf(Int32Array);
    expect(ds.vocabSize).toBe(42);
    expect(ds.labelKind).toBe('binary');
  });
});

describe('npz', () => {
  test("a file written by numpy's np.savez_compressed in Keras' layout", async () => {
    const p = file(dir, 'keras.npz');
    fs.writeFileSync(p, Buffer.from(NUMPY_KERAS_LAYOUT_NPZ, 'base64'));
    const ds = await loadFiles('npz', { path: p, shuffle: false });
    expect(ds.name).toBe('keras');
    expect(ds.inputShape).toEqual([3]);
    expect(ds.train.n).toBe(4);
    expect(Array.from(ds.train.x)).toEqual(Array.from({ length: 12 }, (_, i) => Math.fround(Math.fround(i) / 10)));
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 1]);
    expect(Array.from(ds.validation.x)).toEqual([1.5, 2.5, 3.5]);
    expect(Array.from(ds.validation.labels)).toEqual([2]);
    expect(ds.info).toEqual(['npz: 4 training samples, 1 test samples of shape (3,)', 'y_train: 3 classes: class ids 0-2 as in the file']);
  });

  test('without x_test: a holdout is needed, and the message says so', async () => {
    const p = file(dir, 'train-only.npz');
    fs.writeFileSync(p, npzBytes({ x_train: f8([4, 1], [1, 2, 3, 4]), y_train: i8([4], [0, 1, 0, 1]) }, false));
    expect(await loadError('npz', { path: p })).toBe(`${p}: holds no test split (x_test, y_test); set validation: {holdout: 0.1} in the dataset block`);
    const ds = await loadFiles('npz', { path: p }, { validation: { holdout: 0.25 } });
    expect([ds.train.n, ds.validation.n, ds.test]).toEqual([3, 1, undefined]);
  });

  test('a missing member is named', async () => {
    const p = file(dir, 'no-y.npz');
    fs.writeFileSync(p, npzBytes({ x_train: f8([2, 1], [1, 2]) }));
    expect(await loadError('npz', { path: p }, { validation: { holdout: 0.5 } })).toBe(`${p}: missing member y_train.npy (it holds: x_train.npy)`);
  });
});

describe('bad arrays: one line naming the file', () => {
  test('data shorter than the shape in the header', async () => {
    const x = f8([3, 2], [1, 2, 3, 4, 5, 6]);
    const p = pair('short', x.subarray(0, x.length - 8), i8([3], [0, 1, 0]));
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(
      /short\/x\.npy: truncated \.npy data: header promises 48 bytes \(3x2 <f8\), file holds 40$/,
    );
  });

  test('a header promising far more data than the file holds fails before allocating it', async () => {
    const lying = npyBytes('<f4', [1_000_000_000_000, 1000], new Float32Array(2));
    const p = pair('lying', lying, i8([1], [0]));
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/lying\/x\.npy: truncated \.npy data: header promises 4000000000000000 bytes/);
  });

  test('an npy larger than the limit is refused before it is read', async () => {
    const p = pair('huge', f8([1, 1], [1]), i8([1], [0]));
    fs.truncateSync(file(p, 'x.npy'), MAX_BINARY_FILE_BYTES + 1);
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/huge\/x\.npy: 2\.0 GB \(2000000001 bytes\) is more than the 2\.0 GB/);
  });

  test('x and y of different lengths', async () => {
    const p = pair('lengths', f8([3, 1], [1, 2, 3]), i8([2], [0, 1]));
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/lengths\/y\.npy: 2 targets for the 3 samples of .*lengths\/x\.npy$/);
  });

  test('an object array (Python lists)', async () => {
    const p = pair('objects', npyBytes('|O', [1], new Uint8Array([0x80, 0x04, 0x4e, 0x2e])), i8([1], [0]));
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/objects\/x\.npy: /);
  });

  test('a folder without y.npy', async () => {
    const p = writeTree(file(dir, 'no-y'), { 'x.npy': f8([2, 1], [1, 2]) });
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/no-y\/y\.npy: no such file or folder/);
  });

  test('a NaN input names its index', async () => {
    const p = pair('nan', f8([2, 2], [1, 2, 3, NaN]), i8([2], [0, 1]));
    expect(await loadError('npy', { path: p }, { validation: { holdout: 0.5 } })).toMatch(/nan\/x\.npy: x\[1, 1\] is NaN; inputs must be finite numbers$/);
  });

  test('class targets that are not one-hot', async () => {
    const p = pair('not-one-hot', f8([2, 1], [1, 2]), npyBytes('<f4', [2, 2], Float32Array.from([1, 0, 1, 1])));
    expect(await loadError('npy', { path: p, target: 'classes' }, { validation: { holdout: 0.5 } })).toMatch(/not-one-hot\/y\.npy: y\[1\] is \[1, 1\], not a one-hot row/);
  });

  test('a test class never seen in training', async () => {
    const train = pair('seen-train', f8([2, 1], [1, 2]), i8([2], [0, 1]));
    const test = pair('seen-test', f8([1, 1], [1]), i8([1], [4]));
    expect(await loadError('npy', { train, test })).toMatch(/seen-test\/y\.npy: y\[0\]: class "4" does not occur in the training data/);
  });

  test('test samples of another shape', async () => {
    const train = pair('shape-train', f8([2, 2], [1, 2, 3, 4]), i8([2], [0, 1]));
    const test = pair('shape-test', f8([1, 3], [1, 2, 3]), i8([1], [1]));
    expect(await loadError('npy', { train, test })).toMatch(/shape-test\/x\.npy: samples of shape \(3,\), but the training samples .* are \(2,\)/);
  });
});
