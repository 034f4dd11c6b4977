/**
 * Inputs built to exhaust memory: decompression bombs (gzip, tar, zip), headers that promise far
 * more than the file holds or less than it inflates to, truncated streams, and size options far
 * too large. Each must end in one UserError line naming the file or field, with memory bounded:
 * the peak resident set (getrusage's maxRSS, which only grows) may rise by little while an input
 * is refused or limited, where reading it whole would take gigabytes.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { zipSync } from 'fflate';
import { decodeImage } from '../src/data/files/decode-image';
import { interlacedPngBytes } from '../src/data/files/png-inflate';
import { readIdxFile } from '../src/data/idx';
import { readNpz } from '../src/data/npz';
import { loadDataset } from '../src/data/registry';
import { readTarEntries } from '../src/data/tar-entries';
import { UserError } from '../src/errors';
import { tempDir } from './helpers/data-fixtures';

const ROOT = path.join(__dirname, '..');
const MB = 1e6;
/** How far the peak RSS may rise while a bomb is refused or read in part (it would be GBs whole). */
const PEAK_MARGIN = 200 * MB;

// ---------------------------------------------------------------- builders

function idxHeader(dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

const BLOCK = 8 << 20;
const zeroMember = zlib.gzipSync(Buffer.alloc(BLOCK));

/**
 * A gzip file of `head`, then `zeros` zero bytes, then `tail`: concatenated gzip members (valid
 * gzip, inflated as one stream), so a bomb of gigabytes is built in milliseconds from one 8 MiB block.
 */
function gzBomb(head: Buffer, zeros: number, tail: Buffer = Buffer.alloc(0)): Buffer {
  const parts = [zlib.gzipSync(head)];
  for (let left = zeros; left > 0; left -= BLOCK) parts.push(left >= BLOCK ? zeroMember : zlib.gzipSync(Buffer.alloc(left)));
  if (tail.length) parts.push(zlib.gzipSync(tail));
  return Buffer.concat(parts);
}

/** An MNIST-layout folder; the training images are given (a bomb), the rest is small and valid. */
function mnistFolder(trainImagesGz: Buffer, trainLabels: number): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), trainImagesGz);
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), gzBomb(idxHeader([trainLabels]), trainLabels));
  fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), Buffer.concat([idxHeader([20, 28, 28]), Buffer.alloc(20 * 784)]));
  fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), Buffer.concat([idxHeader([20]), Buffer.alloc(20)]));
  return dir;
}

/** A 512-byte ustar header for a regular file (or another `type`) promising `size` bytes. */
function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** A tar member: header, data, zero padding to 512 bytes. */
function tarMember(name: string, data: Buffer): Buffer {
  return Buffer.concat([tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

function npy(descr: string, shape: number[], data: Buffer): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]), Buffer.from(header, 'latin1'), data]);
}

/** Rewrites the uncompressed size of every member in a zip's local and central headers. */
function lieAboutSizes(zip: Uint8Array, size: number): Buffer {
  const b = Buffer.from(zip);
  for (let i = 0; i + 4 <= b.length; i++) {
    const sig = b.readUInt32LE(i);
    if (sig === 0x04034b50) b.writeUInt32LE(size, i + 22);
    else if (sig === 0x02014b50) b.writeUInt32LE(size, i + 24);
  }
  return b;
}

// ---------------------------------------------------------------- checks

const peak = () => process.resourceUsage().maxRSS * 1024;

/** `run` rejects with one UserError line matching `pattern`, and the peak RSS rose by less than PEAK_MARGIN. */
async function refusedWithin(run: () => Promise<unknown> | unknown, pattern: RegExp): Promise<void> {
  const before = peak();
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(peak() - before).toBeLessThan(PEAK_MARGIN);
  expect(error).toBeInstanceOf(UserError);
  const message = (error as UserError).message;
  expect((error as UserError).exitCode).toBe(2);
  expect(message.split('\n')).toHaveLength(1);
  expect(message).toMatch(pattern);
}

const quiet = { seed: 0, log: () => undefined, download: false };

// ---------------------------------------------------------------- gzip and IDX

describe('gzip bombs and lying IDX headers', () => {
  // 600,000 valid 28x28 images, 470 MB inflated, 470 kB on disk; whole as float32: 1.9 GB
  const N = 600_000;
  const bomb = gzBomb(idxHeader([N, 28, 28]), N * 784);

  test('--limit inflates only the rows it uses: 500 of 600,000 images, with the test split intact', async () => {
    const dir = mnistFolder(bomb, N);
    const before = peak();
    const ds = await loadDataset({ name: 'mnist', path: dir, limit: 500, validation: 'test', options: {} }, quiet);
    expect(peak() - before).toBeLessThan(PEAK_MARGIN);
    expect([ds.train.n, ds.train.x.length, ds.validation.n]).toEqual([500, 500 * 784, 20]);
    expect(ds.info[0]).toBe('600000 train samples (--limit: read only the first 500)');
  });

  test('with a holdout, the whole training set is read (validation is its end), so the cap refuses it', async () => {
    const dir = mnistFolder(bomb, N);
    await withEnv({ IS_BENCH_MAX_DATA_BYTES: '1000000000' }, () =>
      refusedWithin(
        () => loadDataset({ name: 'mnist', path: dir, limit: 500, validation: { holdout: 0.1 }, options: {} }, quiet),
        /train-images-idx3-ubyte\.gz: its header promises 600000x28x28 values, as float32: 1\.9 GB \(1881600000 bytes\), more than the 1\.0 GB limit \(1000000000 bytes; set IS_BENCH_MAX_DATA_BYTES/,
      ),
    );
  });

  test.each([
    ['3,000,000 images (2.35 GB inflated, 9.4 GB as float32)', [3_000_000, 28, 28], 9_408_000_000],
    ['a header of 4 billion rows of 1 byte', [4_000_000_000], 4_000_000_000],
    ['a 4-dimensional header of 65536^2 x 2 x 2', [65536, 65536, 2, 2], 17_179_869_184],
  ])('a header promising more than the cap is refused before inflating: %s', async (_label, dims, bytes) => {
    const file = path.join(tempDir(), 'bomb.gz');
    // only the header and a little data: what the header promises is never there
    fs.writeFileSync(file, gzBomb(idxHeader(dims), 1 << 20));
    const asFloat = dims.length === 3;
    await refusedWithin(
      () => readIdxFile(file, { asFloat32: asFloat }),
      new RegExp(`bomb\\.gz: its header promises ${dims.join('x')} values.*\\(${bytes} bytes\\), more than the 2\\.0 GB limit \\(2000000000 bytes; set IS_BENCH_MAX_DATA_BYTES to change it\\)`),
    );
  });

  test.each([
    ['10 images, then 400 MB more', [10, 28, 28], 400 * MB],
    ['1 label, then 300 MB more', [1], 300 * MB],
  ])('a header promising less than the data: inflating stops just past the promise (%s)', async (_label, dims, extra) => {
    const file = path.join(tempDir(), 'liar.gz');
    const promised = dims.reduce((a, b) => a * b, 1);
    fs.writeFileSync(file, gzBomb(idxHeader(dims), promised + extra));
    await refusedWithin(() => readIdxFile(file), /liar\.gz: IDX file has more than 1048576 bytes more than its header .* says/);
  });

  test.each([
    ['cut in the middle of the deflate data', (b: Buffer) => b.subarray(0, Math.floor(b.length / 2))],
    ['cut inside the gzip header', (b: Buffer) => b.subarray(0, 5)],
    ['a flipped byte in the deflate data', (b: Buffer) => Buffer.concat([b.subarray(0, 40), Buffer.from([b[40] ^ 0xff]), b.subarray(41)])],
  ])('a damaged gzip stream is a UserError naming the file: %s', async (_label, damage) => {
    const file = path.join(tempDir(), 'damaged.gz');
    const whole = zlib.gzipSync(Buffer.concat([idxHeader([50, 28, 28]), Buffer.from(Array.from({ length: 50 * 784 }, (_, i) => (i * 7) % 256))]));
    fs.writeFileSync(file, damage(whole));
    await refusedWithin(() => readIdxFile(file), /damaged\.gz: (corrupt or truncated gzip data|truncated IDX|not an IDX)/);
  });

  test('a header promising more rows than the file holds is a truncated file, also with --limit', async () => {
    const file = path.join(tempDir(), 'short.gz');
    fs.writeFileSync(file, gzBomb(idxHeader([100, 28, 28]), 10 * 784));
    await refusedWithin(() => readIdxFile(file), /short\.gz: truncated IDX file: header promises 78400 bytes of data \(100x28x28\), file holds 7840/);
    await refusedWithin(() => readIdxFile(file, { rows: 50 }), /short\.gz: truncated IDX file: .*file holds 7840/);
    // rows within what is there are read
    expect((await readIdxFile(file, { rows: 10 })).rowsRead).toBe(10);
  });
});

// ---------------------------------------------------------------- tar

describe('tar bombs', () => {
  const reutersMember = (name: string, data: Buffer) => tarMember(`reuters/${name}`, data);

  test.each([
    ['a wanted member whose header promises 3 GB', tarHeader('reuters/reut2-000.sgm', 3e9), /\(reuters\/reut2-000\.sgm\): its tar header promises: 3\.0 GB \(3000000000 bytes\), more than the 2\.0 GB limit/],
    ['an unwanted member whose header promises 7 GB', tarHeader('reuters/other.bin', 7e9), /its members' headers promise more than the 2\.0 GB limit .* \(at reuters\/other\.bin\)/],
  ])('%s is refused at its header', async (_label, header, pattern) => {
    const file = path.join(tempDir(), 'reuters21578.tar.gz');
    fs.writeFileSync(file, gzBomb(header, 1 << 20));
    await refusedWithin(() => readTarEntries(file, (p) => p.endsWith('.sgm'), () => undefined), pattern);
  });

  test('members whose sizes add up past the cap are refused when the sum passes it', async () => {
    const file = path.join(tempDir(), 'many.tar');
    // the third header's promise passes the cap while fewer bytes than the cap were read
    const members = Array.from({ length: 5 }, (_, i) => reutersMember(`part-${i}.bin`, Buffer.alloc(400_000, i)));
    fs.writeFileSync(file, Buffer.concat([...members, Buffer.alloc(1024)]));
    await refusedWithin(
      () => readTarEntries(file, () => false, () => undefined, { maxBytes: 1_000_000 }),
      /many\.tar: its members' headers promise more than the 1\.0 MB limit \(1000000 bytes; set IS_BENCH_MAX_DATA_BYTES to change it\) \(at reuters\/part-2\.bin\)/,
    );
  });

  test('3 GB of zero blocks after the end-of-archive marker are not inflated: reading stops at the marker', async () => {
    const file = path.join(tempDir(), 'zeros.tar.gz');
    fs.writeFileSync(file, gzBomb(tarMember('reuters/reut2-000.sgm', Buffer.from('<REUTERS></REUTERS>')), 3e9));
    const seen: string[] = [];
    const before = peak();
    await readTarEntries(file, () => true, (p) => seen.push(p));
    expect(peak() - before).toBeLessThan(PEAK_MARGIN);
    expect(seen).toEqual(['reuters/reut2-000.sgm']);
  });

  test('an extended (pax) header, which no entry size counts, inflating past the cap: stopped by the count of inflated bytes', async () => {
    const file = path.join(tempDir(), 'pax.tar.gz');
    fs.writeFileSync(file, gzBomb(tarHeader('PaxHeader/x', 300e6, 'x'), 300e6));
    await refusedWithin(
      () => readTarEntries(file, () => true, () => undefined, { maxBytes: 50e6 }),
      /pax\.tar\.gz: inflates to more than the 50\.0 MB limit \(50000000 bytes; set IS_BENCH_MAX_DATA_BYTES to change it\) \(stopped at 5\d\.\d MB\)/,
    );
  });

  test('the Reuters loader through the CLI: exit 2, one line', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'reuters21578.tar.gz'), gzBomb(tarHeader('reuters/reut2-000.sgm', 5e9), 1 << 20));
    const cfg = path.join(dir, 'exp.yaml');
    fs.writeFileSync(cfg, experiment({ name: 'reuters', path: path.join(dir, 'reuters21578.tar.gz') }));
    const run = await cli(['run', cfg, '--out', dir, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.errLines).toEqual([expect.stringMatching(/reuters21578\.tar\.gz \(reuters\/reut2-000\.sgm\): its tar header promises: 5\.0 GB/)]);
    expect(run.peakBytes).toBeLessThan(600 * MB);
  });
});

// ---------------------------------------------------------------- zip and npy

describe('zip bombs and lying .npy headers', () => {
  const member = npy('|u1', [100], Buffer.alloc(100, 1));

  test.each([
    ['3.9 GB', 0xf0000000],
    ['2.1 GB', 2_100_000_000],
  ])('a zip header promising %s for one member is refused before inflating', async (_label, size) => {
    const file = path.join(tempDir(), 'bomb.npz');
    fs.writeFileSync(file, lieAboutSizes(zipSync({ 'x_train.npy': member }, { level: 6 }), size));
    await refusedWithin(() => readNpz(file), new RegExp(`bomb\\.npz \\(x_train\\.npy\\): its zip header promises: .* \\(${size} bytes\\), more than the 2\\.0 GB limit`));
  });

  test('members whose promised sizes add up past the cap', async () => {
    const file = path.join(tempDir(), 'sum.npz');
    const big = npy('|u1', [600_000], Buffer.alloc(600_000));
    fs.writeFileSync(file, zipSync({ 'a.npy': big, 'b.npy': big, 'c.npy': big }, { level: 6 }));
    await refusedWithin(() => readNpz(file, { maxBytes: 1_500_000 }), /sum\.npz: its members up to c\.npy promise: 1\.8 MB \(1800\d{3} bytes\), more than the 1\.5 MB limit/);
  });

  test('a zip header promising less than the member inflates to: the member is cut there and its .npy check fails', async () => {
    const file = path.join(tempDir(), 'short.npz');
    const whole = npy('|u1', [1_000_000], Buffer.alloc(1_000_000, 3));
    fs.writeFileSync(file, lieAboutSizes(zipSync({ 'x_train.npy': whole }, { level: 6 }), 1000));
    await refusedWithin(() => readNpz(file).get('x_train'), /short\.npz \(x_train\.npy\): truncated \.npy data: header promises 1000000 bytes/);
  });

  test.each([
    ['a shape of 10^12 bytes', [1_000_000, 1_000_000]],
    ['a shape whose product overflows 2^53', [2 ** 40, 2 ** 40]],
    ['a zero-padded 2 GB row count', [2_000_000_001]],
  ])('an .npy header promising %s over 100 bytes of data is a truncated file', async (_label, shape) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.npy'), npy('<f4', shape, Buffer.alloc(100)));
    fs.writeFileSync(path.join(dir, 'y.npy'), npy('<i4', [2], Buffer.alloc(8)));
    await refusedWithin(
      () => loadDataset({ name: 'mine', format: 'npy', validation: { holdout: 0.5 }, options: { format: 'npy', path: dir } }, quiet),
      /x\.npy: truncated \.npy data: header promises .* bytes/,
    );
  });

  test('the mnist.npz loader through the CLI: a lying zip header, exit 2, one line', async () => {
    const dir = tempDir();
    const npzFile = path.join(dir, 'mnist.npz');
    fs.writeFileSync(npzFile, lieAboutSizes(zipSync({ 'x_train.npy': member, 'y_train.npy': member }, { level: 6 }), 0xf0000000));
    const cfg = path.join(dir, 'exp.yaml');
    fs.writeFileSync(cfg, experiment({ name: 'mnist', path: npzFile }));
    const run = await cli(['run', cfg, '--out', dir, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.errLines).toEqual([expect.stringMatching(/mnist\.npz \(x_train\.npy\): its zip header promises: 4\.0 GB/)]);
  });
});

// ---------------------------------------------------------------- PNG

/** Deflate data of `zeros` zero bytes, streamed from one 8 MiB block so the test never holds it whole. */
async function deflatedZeros(zeros: number): Promise<Buffer> {
  const deflate = zlib.createDeflate();
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve) => deflate.on('end', () => resolve()));
  const block = Buffer.alloc(BLOCK);
  for (let left = zeros; left > 0; left -= BLOCK) {
    if (!deflate.write(left >= BLOCK ? block : block.subarray(0, left))) await new Promise<void>((r) => deflate.once('drain', () => r()));
  }
  deflate.end();
  await done;
  return Buffer.concat(out);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, body, crc]);
}

function png(width: number, height: number, depth: number, colorType: number, interlace: number, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = depth;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('PNG bombs', () => {
  test('the bytes an interlaced image inflates to: every Adam7 pass, a filter byte per row (by hand)', () => {
    // 8x8 RGBA: 256 pixel bytes + 15 rows over the 7 passes
    expect(interlacedPngBytes(8, 8, 8, 6)).toBe(271);
    // 1x1 grey, 1 bit: only the first pass, one byte and its filter byte
    expect(interlacedPngBytes(1, 1, 1, 0)).toBe(2);
    // 3x1 RGB 16-bit: passes 1 (x 0), 4 (x 2) and 6 (x 1), one 6-byte pixel each; the others miss the row or the columns
    expect(interlacedPngBytes(3, 1, 16, 2)).toBe(3 * (6 + 1));
  });

  test.each([
    ['8x8 RGBA interlaced, 120 MB of image data', 8, 8, 8, 6, 120e6, /bomb\.png: its interlaced image data inflates to more than the 271 bytes its 8x8 header promises/],
    ['100x100 grey 1-bit interlaced, 60 MB of image data', 100, 100, 1, 0, 60e6, /bomb\.png: its interlaced image data inflates to more than the \d+ bytes its 100x100 header promises/],
    ['8x8 RGBA not interlaced, 120 MB of image data', 8, 8, 8, 6, 120e6, /bomb\.png: cannot decode the image \(PNG: /],
  ])('%s: refused while inflating', async (_label, w, h, depth, colorType, zeros, pattern) => {
    const interlace = /not interlaced/.test(_label) ? 0 : 1;
    const file = path.join(tempDir(), 'bomb.png');
    fs.writeFileSync(file, png(w, h, depth, colorType, interlace, await deflatedZeros(zeros)));
    await refusedWithin(() => decodeImage(file), pattern);
  });
});

// ---------------------------------------------------------------- size options

describe('size options', () => {
  test.each([
    [{ name: 'synthetic', train: 50_000_000 }, /dataset\.train must be at most 10000000 \(every sample is generated in memory\) \(got 50000000\)/],
    [{ name: 'synthetic', test: 1e9 }, /dataset\.test must be at most 10000000/],
    [{ name: 'synthetic', features: 1e6 }, /dataset\.features must be at most 100000 \(a sample holds features float32 values\)/],
    [{ name: 'synthetic', classes: 123_456 }, /dataset\.classes must be at most 10000/],
    [{ name: 'imdb', numWords: 5e6 }, /dataset\.numWords must be at most 1000000 \(ids are < numWords/],
    [{ name: 'reuters', maxlen: 1e7 }, /dataset\.maxlen must be at most 100000/],
    [{ format: 'jsonl', path: 'x.jsonl', maxlen: 200_000 }, /dataset\.maxlen must be at most 100000/],
  ])('out of range, stated with its reason: %j', async (dataset, pattern) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.jsonl'), '{"text": "a b", "label": 0}\n');
    const cfg = path.join(dir, 'exp.yaml');
    fs.writeFileSync(cfg, experiment(dataset));
    const run = await cli(['run', cfg, '--out', dir, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.errLines).toEqual([expect.stringMatching(pattern)]);
  });

  test.each([
    [{ train: 9_000_000, features: 100 }, /\(train 9000000 \+ test 500\) samples x \(features 100 \+ classes 4\) float32 values: 3\.7 GB \(3744208000 bytes\), more than the 2\.0 GB limit/],
    [{ train: 600_000, features: 1000 }, /\(train 600000 \+ test 500\) samples x \(features 1000 \+ classes 4\) float32 values: 2\.4 GB/],
    [{ train: 2000, test: 2000, features: 100_000, classes: 10_000 }, /\(train 2000 \+ test 2000\) samples x \(features 100000 \+ classes 10000\) float32 values: 1\.8 GB/],
  ])('each option in range, their product over the cap: refused before allocating (%j)', async (options, pattern) => {
    const env: Record<string, string> = 'classes' in options ? { IS_BENCH_MAX_DATA_BYTES: '1000000000' } : {};
    await withEnv(env, () =>
      refusedWithin(() => loadDataset({ name: 'synthetic', validation: 'test', options }, quiet), new RegExp(`^dataset\\.train: ${pattern.source}`)),
    );
  });

  test('IS_BENCH_MAX_DATA_BYTES that is not a byte count is a UserError naming it', async () => {
    await withEnv({ IS_BENCH_MAX_DATA_BYTES: '2GB' }, () =>
      refusedWithin(() => loadDataset({ name: 'synthetic', validation: 'test', options: {} }, quiet), /IS_BENCH_MAX_DATA_BYTES=2GB is not a positive whole number of bytes/),
    );
  });
});

// ---------------------------------------------------------------- the CLI, in a child process with a small heap

describe('the CLI on the bomb of the bug report, in a child process', () => {
  test('3,000,000 images in a 2.3 MB .gz with --limit 500: trains, and the peak RSS stays far below the inflated size', async () => {
    const dir = mnistFolder(gzBomb(idxHeader([3_000_000, 28, 28]), 3_000_000 * 784), 3_000_000);
    expect(fs.statSync(path.join(dir, 'train-images-idx3-ubyte.gz')).size).toBeLessThan(3 * MB);
    const cfg = path.join(dir, 'exp.yaml');
    fs.writeFileSync(cfg, experiment({ name: 'mnist', path: dir }));
    const run = await cli(['run', cfg, '--out', dir, '--no-progress', '--limit', '500', '--no-checkpoint']);
    expect(run.code).toBe(0);
    // whole, the file is 2.35 GB of pixels and 9.4 GB as float32
    expect(run.peakBytes).toBeLessThan(600 * MB);
  }, 120_000);

  test('the same bomb without --limit: exit 2 with one line naming the file, the promise and the limit', async () => {
    const dir = mnistFolder(gzBomb(idxHeader([3_000_000, 28, 28]), 3_000_000 * 784), 3_000_000);
    const cfg = path.join(dir, 'exp.yaml');
    fs.writeFileSync(cfg, experiment({ name: 'mnist', path: dir }));
    const run = await cli(['run', cfg, '--out', dir, '--no-progress']);
    expect(run.code).toBe(2);
    expect(run.errLines).toEqual([
      expect.stringMatching(/train-images-idx3-ubyte\.gz: its header promises 3000000x28x28 values, as float32: 9\.4 GB .* more than the 2\.0 GB limit .*IS_BENCH_MAX_DATA_BYTES.*; use --limit/),
    ]);
    expect(run.peakBytes).toBeLessThan(600 * MB);
  }, 120_000);
});

// ---------------------------------------------------------------- helpers

function experiment(dataset: Record<string, unknown>): string {
  const isMnist = dataset.name === 'mnist';
  return JSON.stringify({
    name: 'limits',
    dataset,
    model: isMnist ? 'mnist-mlp' : { layers: [{ type: 'dense', units: 2 }, { type: 'activation', activation: 'softmax' }] },
    optimizer: { name: 'sgd' },
    loss: 'categorical_crossentropy',
    epochs: 1,
    batchSize: 100,
    arms: [{ name: 'uniform', strategy: 'uniform' }],
  });
}

async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * Runs bin/is-bench in a child with a 512 MB V8 heap; the child records its own peak RSS at exit
 * (getrusage), which counts the typed arrays and inflate buffers the heap limit does not.
 */
async function cli(args: string[]): Promise<{ code: number | null; errLines: string[]; peakBytes: number }> {
  const dir = tempDir();
  const peakFile = path.join(dir, 'peak');
  const wrapper = path.join(dir, 'wrapper.js');
  fs.writeFileSync(
    wrapper,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(peakFile)}, String(process.resourceUsage().maxRSS * 1024)));\n` +
      `process.argv.splice(1, 1, ${JSON.stringify(path.join(ROOT, 'bin', 'is-bench'))});\n` +
      `require(${JSON.stringify(path.join(ROOT, 'bin', 'is-bench'))});\n`,
  );
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', wrapper, ...args], { env: { ...process.env, IS_BENCH_MAX_DATA_BYTES: '' } });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      // log lines (backend, sample counts) go to stderr too; an error is the one 'is-bench:' line, without a stack
      const lines = stderr.split('\n');
      const errLines = lines.filter((l) => l.startsWith('is-bench:'));
      if (lines.some((l) => /^\s+at /.test(l))) errLines.push('(a stack trace)');
      resolve({ code, errLines, peakBytes: fs.existsSync(peakFile) ? Number(fs.readFileSync(peakFile, 'utf8')) : Infinity });
    });
  });
}
