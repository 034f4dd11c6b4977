import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../src/errors';
import { CIFAR_RECORD_BYTES, parseCifarBatch, readCifar10 } from '../src/data/cifar-binary';
import { loadDataset } from '../src/data/registry';
import { readTarEntries } from '../src/data/tar-entries';
import { tempDir, writeTarGz } from './helpers/data-fixtures';

/** A batch of `n` records whose label is i % 10 and whose pixels encode (record, channel, position). */
function batch(n: number, firstLabel = 0): Uint8Array {
  const out = new Uint8Array(n * CIFAR_RECORD_BYTES);
  for (let i = 0; i < n; i++) {
    const r = i * CIFAR_RECORD_BYTES;
    out[r] = (firstLabel + i) % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) out[r + 1 + c * 1024 + p] = (i * 7 + c * 50 + p) % 256;
  }
  return out;
}

const allBatches = (sizes = [2, 2, 2, 2, 2, 3]) => [
  ...[1, 2, 3, 4, 5].map((k, j) => ({ path: `cifar-10-batches-bin/data_batch_${k}.bin`, content: batch(sizes[j], k) })),
  { path: 'cifar-10-batches-bin/test_batch.bin', content: batch(sizes[5], 7) },
];

describe('CIFAR-10 binary reader', () => {
  test('reads the archive as published: 6 batches, labels, channels-last pixels scaled to [0,1]', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'cifar-10-binary.tar.gz'), [
      ...allBatches(),
      { path: 'cifar-10-batches-bin/batches.meta.txt', content: 'airplane\n' },
    ]);
    const { train, test } = await readCifar10(file);
    expect(train.n).toBe(10);
    expect(test.n).toBe(3);
    // train order: batch 1 records, then batch 2, ...; batch k starts at label k
    expect(Array.from(train.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(Array.from(test.labels)).toEqual([7, 8, 9]);
    // pixel (h=0, w=1) of record 1 in batch 1: R at position 1 of the R plane, then G, then B
    const p = 0 * 32 + 1; // h = 0, w = 1
    const base = 1 * 3072 + p * 3;
    expect(Array.from(train.x.subarray(base, base + 3)).map((v) => Math.round(v * 255))).toEqual([(7 + 1) % 256, (7 + 50 + 1) % 256, (7 + 100 + 1) % 256]);
    expect(Array.from(train.y.subarray(10, 20)).indexOf(1)).toBe(2);
  });

  test('reads an unpacked cifar-10-batches-bin folder found through the lookup', async () => {
    const root = tempDir();
    for (const e of allBatches()) {
      fs.mkdirSync(path.join(root, path.dirname(e.path)), { recursive: true });
      fs.writeFileSync(path.join(root, e.path), e.content);
    }
    const ds = await loadDataset(
      { name: 'cifar10', validation: 'test', options: {} },
      { seed: 1, log: () => undefined, dataDir: root, download: false },
    );
    expect(ds.inputShape).toEqual([32, 32, 3]);
    expect(ds.train.n).toBe(10);
    expect(ds.validation.n).toBe(3);
    expect(ds.source).toContain(path.join(root, 'cifar-10-batches-bin'));
  });

  test('wrong record size and impossible labels are UserErrors naming the file', () => {
    expect(() => parseCifarBatch(batch(2).subarray(0, 2 * CIFAR_RECORD_BYTES - 5), 'data_batch_1.bin')).toThrow(
      /data_batch_1\.bin: 6141 bytes is not a whole number of 3073-byte CIFAR-10 records/,
    );
    const bad = batch(2);
    bad[CIFAR_RECORD_BYTES] = 12;
    expect(() => parseCifarBatch(bad, 'test_batch.bin')).toThrow(/test_batch\.bin: record 1 has label 12/);
    expect(() => parseCifarBatch(new Uint8Array(0), 'x.bin')).toThrow(UserError);
  });

  test('a missing batch in the archive is a UserError naming the archive and the member', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'cifar-10-binary.tar.gz'), allBatches().filter((e) => !e.path.endsWith('data_batch_3.bin')));
    await expect(readCifar10(file)).rejects.toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')}: missing CIFAR-10 batch data_batch_3\\.bin`));
  });

  test('a member with a wrong record size is reported with the archive and member path', async () => {
    const dir = tempDir();
    const entries = allBatches();
    entries[1] = { ...entries[1], content: batch(2).subarray(0, 3000) };
    const file = writeTarGz(path.join(dir, 'cifar-10-binary.tar.gz'), entries);
    await expect(readCifar10(file)).rejects.toThrow(/cifar-10-binary\.tar\.gz \(cifar-10-batches-bin\/data_batch_2\.bin\): 3000 bytes/);
  });
});

describe('tar archive reader', () => {
  test('truncated, non-archive and missing files are UserErrors naming the file', async () => {
    const dir = tempDir();
    const good = writeTarGz(path.join(dir, 'good.tar.gz'), allBatches());
    const bytes = fs.readFileSync(good);
    const truncated = path.join(dir, 'truncated.tar.gz');
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(readTarEntries(truncated, () => true, () => undefined)).rejects.toThrow(/truncated\.tar\.gz: damaged or truncated archive/);
    const junk = path.join(dir, 'junk.tar.gz');
    fs.writeFileSync(junk, Buffer.from('this is not an archive at all, just some text '.repeat(20)));
    await expect(readTarEntries(junk, () => true, () => undefined)).rejects.toThrow(/junk\.tar\.gz: damaged or truncated archive/);
    await expect(readTarEntries(path.join(dir, 'absent.tar.gz'), () => true, () => undefined)).rejects.toThrow(/absent\.tar\.gz: archive not found/);
  });

  test('streams only the wanted members, whole', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'a.tar.gz'), [
      { path: 'a/one.txt', content: 'x'.repeat(100000) },
      { path: 'a/two.txt', content: 'two' },
    ]);
    const seen: [string, number][] = [];
    await readTarEntries(file, (p) => p.endsWith('one.txt'), (p, d) => seen.push([p, d.length]));
    expect(seen).toEqual([['a/one.txt', 100000]]);
  });
});
