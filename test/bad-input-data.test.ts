/**
 * Dataset files that are truncated, empty or of the wrong kind: exit code 2 and one line naming
 * the file and what was expected, before any training. MNIST-named IDX files in a folder given
 * by `dataset.path` (which must hold the dataset) or found in `--data-dir/mnist/`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { readMnistLayout } from '../src/data/idx-layout';
import { runCli, smallExperiment, tempDir, writeConfig } from './helpers/cli';

const created: string[] = [];
function scratch(): string {
  const dir = tempDir('is-bench-data-');
  created.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** An IDX file of unsigned bytes: magic 00 00 08 <ndim>, big-endian dimensions, then data. */
function idx(dims: number[], data?: Uint8Array): Buffer {
  const n = dims.reduce((a, b) => a * b, 1);
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data ?? noise(n, 256)]);
}

/** Deterministic bytes below `max` (pixels do not compress, so a cut gzip stream really is cut). */
function noise(n: number, max: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 7;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) % max;
  }
  return out;
}

const TRAIN_IMAGES = 'train-images-idx3-ubyte';
const TRAIN_LABELS = 'train-labels-idx1-ubyte';

/** A folder with the four MNIST files (40 train, 10 test images), then one of them spoiled. */
function mnistFolder(dir: string, spoil: (dir: string) => void): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, TRAIN_IMAGES), idx([40, 28, 28]));
  fs.writeFileSync(path.join(dir, TRAIN_LABELS), idx([40], noise(40, 10)));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idx([10, 28, 28]));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([10], noise(10, 10)));
  spoil(dir);
  return dir;
}

const replace = (name: string, content: string | Uint8Array) => (dir: string) => fs.writeFileSync(path.join(dir, name), content);
/** Swaps the plain file for a .gz one (the reader detects gzip by content). */
const gzipped = (name: string, content: Uint8Array) => (dir: string) => {
  fs.rmSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, `${name}.gz`), content);
};
const gzipOfImages = zlib.gzipSync(idx([40, 28, 28]));

const cases: [string, (dir: string) => void, string, RegExp][] = [
  ['truncated images', replace(TRAIN_IMAGES, idx([40, 28, 28]).subarray(0, 1000)), TRAIN_IMAGES, /: truncated IDX file: header promises 31360 bytes of data \(40x28x28\), file holds 984$/],
  ['a truncated header', replace(TRAIN_IMAGES, idx([40, 28, 28]).subarray(0, 10)), TRAIN_IMAGES, /: truncated IDX header$/],
  ['an empty file', replace(TRAIN_IMAGES, ''), TRAIN_IMAGES, /: not an IDX file \(only 0 bytes\)$/],
  ['a text file', replace(TRAIN_LABELS, 'label\n1\n2\n'), TRAIN_LABELS, /: not an IDX file \(bad magic number; expected 00 00 <type> <ndim>\)$/],
  ['gzip garbage', gzipped(TRAIN_IMAGES, Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])), `${TRAIN_IMAGES}.gz`, /: corrupt or truncated gzip data \(.+\)$/],
  ['a truncated gzip file', gzipped(TRAIN_IMAGES, gzipOfImages.subarray(0, gzipOfImages.length >> 1)), `${TRAIN_IMAGES}.gz`, /: corrupt or truncated gzip data \(unexpected end of file\)$/],
  ['gzip of a text file', gzipped(TRAIN_IMAGES, zlib.gzipSync('not images')), `${TRAIN_IMAGES}.gz`, /: not an IDX file \(bad magic number/],
  ['32-bit integers instead of bytes', replace(TRAIN_IMAGES, Buffer.from([0, 0, 0x0c, 1, 0, 0, 0, 1, 0, 0, 0, 0])), TRAIN_IMAGES, /: IDX data type 0xc is not supported \(expected 0x08, unsigned byte\)$/],
  ['labels for another number of images', replace(TRAIN_LABELS, idx([39], noise(39, 10))), TRAIN_LABELS, /: 39 labels for 40 images in /],
  ['a label that is not a digit', replace(TRAIN_LABELS, idx([40], new Uint8Array(40).fill(12))), TRAIN_LABELS, /: label 12 is not a class 0-9$/],
  ['a folder where the file should be', (dir) => { fs.rmSync(path.join(dir, TRAIN_IMAGES)); fs.mkdirSync(path.join(dir, TRAIN_IMAGES)); }, TRAIN_IMAGES, /: cannot read IDX file \(EISDIR\)$/],
];

/** A quick MNIST experiment: if a bad file were accepted, it would still end in seconds. */
function mnistConfig(dataset: Record<string, unknown>): string {
  return writeConfig(
    smallExperiment({ name: 'mnist-bad', dataset: { name: 'mnist', ...dataset }, model: 'mnist-mlp', epochs: 1, batchSize: 8, arms: [{ name: 'u', strategy: 'uniform' }] }),
  );
}

async function expectRejected(args: string[], file: string, message: RegExp): Promise<void> {
  const out = scratch();
  const r = await runCli('run', ...args, '--limit', '20', '--out', out, '--backend', 'cpu', '--no-progress');
  expect(r.err).not.toMatch(/\n\s+at /);
  expect(r.code).toBe(2);
  const lines = r.err.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith(`is-bench: ${file}`)).toBe(true); // names the file, with its folder
  expect(lines[0]).toMatch(message);
  expect(fs.readdirSync(out)).toEqual([]); // rejected before the run folder was made
}

describe('dataset.path: a folder with a spoiled MNIST file', () => {
  test.each(cases)('%s', async (_label, spoil, name, message) => {
    const dir = mnistFolder(scratch(), spoil);
    await expectRejected([mnistConfig({ path: dir })], path.join(dir, name), message);
  });

  test('the same folder unspoiled trains (the fixture itself is valid)', async () => {
    const dir = mnistFolder(scratch(), () => {});
    const r = await runCli('run', mnistConfig({ path: dir }), '--out', scratch(), '--backend', 'cpu', '--no-progress', '--no-checkpoint');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('--data-dir: a spoiled copy in <data-dir>/mnist/', () => {
  test.each(cases.filter(([label]) => ['truncated images', 'an empty file', 'gzip garbage', 'a text file'].includes(label)))('%s', async (_label, spoil, name, message) => {
    const dataDir = scratch();
    const dir = mnistFolder(path.join(dataDir, 'mnist'), spoil);
    await expectRejected([mnistConfig({}), '--data-dir', dataDir], path.join(dir, name), message);
  });
});

describe('MNIST-layout files of the wrong geometry', () => {
  test.each([
    ['40x10x10 images', [40, 10, 10], /train-images-idx3-ubyte: images are 10x10, expected 28x28/],
    ['no images', [0, 28, 28], /train-images-idx3-ubyte: holds no images/],
  ])('%s: a clear error naming the file', async (_label, dims, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnist-geometry-'));
    const idx = (d: number[], fill: number) => {
      const header = Buffer.alloc(4 + 4 * d.length);
      header[2] = 0x08;
      header[3] = d.length;
      d.forEach((v, i) => header.writeUInt32BE(v, 4 + 4 * i));
      return Buffer.concat([header, Buffer.alloc(d.reduce((a, b) => a * b, 1), fill)]);
    };
    for (const prefix of ['train', 't10k']) {
      fs.writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), idx(dims as number[], 0));
      fs.writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), idx([dims[0]], 1));
    }
    await expect(readMnistLayout(dir)).rejects.toThrow(message);
  });
});
