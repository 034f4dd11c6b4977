import * as fs from 'fs';
import * as path from 'path';
import { cacheFile, readCache, writeCache } from '../src/data/parsed-cache';
import { loadDataset } from '../src/data/registry';
import { tempDir, TINY_ACLIMDB, writeTarGz } from './helpers/data-fixtures';

describe('parsed-dataset cache file', () => {
  test('round-trips typed arrays and metadata, only for the same key', () => {
    const dir = tempDir();
    const key = { dataset: 'x', options: { numWords: 10 } };
    const file = cacheFile(dir, 'x', key);
    writeCache(file, key, { note: 'hi' }, {
      a: Int32Array.from([1, -2, 3]),
      b: Uint16Array.from([65535, 7]),
      c: Float32Array.from([0.5]),
      d: Uint8Array.from([1, 2, 3, 4, 5]),
    });
    const hit = readCache<{ note: string }>(file, key);
    expect(hit?.meta).toEqual({ note: 'hi' });
    expect(Array.from(hit!.arrays.a)).toEqual([1, -2, 3]);
    expect(hit!.arrays.b).toBeInstanceOf(Uint16Array);
    expect(Array.from(hit!.arrays.b)).toEqual([65535, 7]);
    expect(Array.from(hit!.arrays.c)).toEqual([0.5]);
    expect(Array.from(hit!.arrays.d)).toEqual([1, 2, 3, 4, 5]);
    expect(readCache(file, { ...key, options: { numWords: 11 } })).toBeUndefined();
    expect(cacheFile(dir, 'x', { ...key, options: { numWords: 11 } })).not.toBe(file);
    // written atomically: no temporary file left behind
    expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
  });

  test('a truncated or foreign file is a miss, not an error', () => {
    const dir = tempDir();
    const key = { k: 1 };
    const file = cacheFile(dir, 'x', key);
    writeCache(file, key, {}, { a: new Int32Array(1000) });
    fs.truncateSync(file, fs.statSync(file).size - 100);
    expect(readCache(file, key)).toBeUndefined();
    fs.writeFileSync(file, 'not a cache');
    expect(readCache(file, key)).toBeUndefined();
    expect(readCache(path.join(dir, 'absent.bin'), key)).toBeUndefined();
  });
});

describe('text datasets use the cache', () => {
  const load = (file: string, cacheDir: string, options: Record<string, unknown>) =>
    loadDataset({ name: 'imdb', path: file, validation: 'test', options }, { seed: 1, log: () => undefined, cacheDir, download: false });

  test('reused for the same source and options, rebuilt when the options or the source change', async () => {
    const dir = tempDir();
    const cache = path.join(dir, 'cache');
    const file = writeTarGz(path.join(dir, 'aclImdb.tar.gz'), TINY_ACLIMDB);

    const first = await load(file, cache, { numWords: 12, maxlen: 8 });
    expect(first.source).toMatch(/parsed in .* cached as/);
    expect(fs.readdirSync(cache)).toHaveLength(1);

    const second = await load(file, cache, { numWords: 12, maxlen: 8 });
    expect(second.source).toContain('from cache');
    expect(Array.from(second.train.x)).toEqual(Array.from(first.train.x));

    // maxlen is applied after the cache: same file, different padding
    const longer = await load(file, cache, { numWords: 12, maxlen: 10 });
    expect(longer.source).toContain('from cache');
    expect(longer.inputShape).toEqual([10]);

    // num_words shapes the cached sequences: a new entry
    const fewer = await load(file, cache, { numWords: 8, maxlen: 8 });
    expect(fewer.source).toMatch(/parsed in/);
    expect(fs.readdirSync(cache)).toHaveLength(2);
    expect(Math.max(...Array.from(fewer.train.x))).toBeLessThan(8);

    // a changed archive (same name) is parsed again
    writeTarGz(file, TINY_ACLIMDB.map((e) => (e.path.endsWith('train/pos/0_9.txt') ? { ...e, content: 'Great great great.' } : e)));
    const changed = await load(file, cache, { numWords: 12, maxlen: 8 });
    expect(changed.source).toMatch(/parsed in/);
    expect(Array.from(changed.train.x)).not.toEqual(Array.from(first.train.x));
  });

  test('$IS_BENCH_CACHE picks the folder when the request does not', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'aclImdb.tar.gz'), TINY_ACLIMDB);
    const saved = process.env.IS_BENCH_CACHE;
    process.env.IS_BENCH_CACHE = path.join(dir, 'env-cache');
    try {
      await loadDataset({ name: 'imdb', path: file, validation: 'test', options: { numWords: 12 } }, { seed: 1, log: () => undefined, download: false });
    } finally {
      if (saved === undefined) delete process.env.IS_BENCH_CACHE;
      else process.env.IS_BENCH_CACHE = saved;
    }
    expect(fs.readdirSync(path.join(dir, 'env-cache'))).toHaveLength(1);
  });
});
