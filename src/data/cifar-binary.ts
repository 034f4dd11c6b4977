import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { DataSplit } from '../spec';
import { oneHot } from './one-hot';
import { baseName, readTarEntries } from './tar-entries';

/** CIFAR-10 binary version: each record is 1 label byte + 32x32x3 pixel bytes (all R, then G, then B). */
export const CIFAR_RECORD_BYTES = 1 + 32 * 32 * 3;
export const CIFAR_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR_TEST_FILES = ['test_batch.bin'];
export const CIFAR_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** One batch file: raw records checked for size and labels. */
export function parseCifarBatch(bytes: Uint8Array, file: string): { labels: Int32Array; pixels: Uint8Array; n: number } {
  if (bytes.length === 0) throw new UserError(`${file}: empty CIFAR-10 batch file`);
  if (bytes.length % CIFAR_RECORD_BYTES !== 0) {
    throw new UserError(
      `${file}: ${bytes.length} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte CIFAR-10 records ` +
        '(truncated, or not the binary version: cifar-10-binary.tar.gz)',
    );
  }
  const n = bytes.length / CIFAR_RECORD_BYTES;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = bytes[i * CIFAR_RECORD_BYTES];
    if (label > 9) throw new UserError(`${file}: record ${i} has label ${label}, not a class 0-9 (wrong record size or format?)`);
    labels[i] = label;
  }
  return { labels, pixels: bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), n };
}

/** Batches as float32 images [n, 32, 32, 3] (channels last, as Keras uses), scaled to [0, 1]. */
export function cifarSplit(batches: { labels: Int32Array; pixels: Uint8Array; n: number }[]): DataSplit {
  const n = batches.reduce((a, b) => a + b.n, 0);
  const x = new Float32Array(n * 3072);
  const labels = new Int32Array(n);
  let row = 0;
  for (const b of batches) {
    for (let i = 0; i < b.n; i++, row++) {
      const rec = i * CIFAR_RECORD_BYTES + 1;
      labels[row] = b.labels[i];
      const out = row * 3072;
      for (let p = 0; p < 1024; p++) {
        x[out + p * 3] = b.pixels[rec + p] / 255;
        x[out + p * 3 + 1] = b.pixels[rec + 1024 + p] / 255;
        x[out + p * 3 + 2] = b.pixels[rec + 2048 + p] / 255;
      }
    }
  }
  return { x, y: oneHot(labels, 10), labels, n };
}

/**
 * The six batch files, from the published archive (members matched by file name, wherever
 * they sit in it) or from an unpacked `cifar-10-batches-bin/` folder.
 */
export async function readCifar10(source: string): Promise<{ train: DataSplit; test: DataSplit }> {
  const wanted = [...CIFAR_TRAIN_FILES, ...CIFAR_TEST_FILES];
  const got = new Map<string, ReturnType<typeof parseCifarBatch>>();
  const isFolder = fs.statSync(source).isDirectory();
  if (isFolder) {
    for (const name of wanted) {
      const file = path.join(source, name);
      if (fs.existsSync(file)) got.set(name, parseCifarBatch(fs.readFileSync(file), file));
    }
  } else {
    await readTarEntries(
      source,
      (p) => wanted.includes(baseName(p)),
      (p, data) => got.set(baseName(p), parseCifarBatch(data, `${source} (${p})`)),
    );
  }
  const missing = wanted.filter((w) => !got.has(w));
  if (missing.length > 0) throw new UserError(`${source}: missing CIFAR-10 batch ${missing.join(', ')}`);
  return {
    train: cifarSplit(CIFAR_TRAIN_FILES.map((f) => got.get(f)!)),
    test: cifarSplit(CIFAR_TEST_FILES.map((f) => got.get(f)!)),
  };
}
