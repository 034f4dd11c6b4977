import * as fs from 'fs';
import * as path from 'path';
import { readAclImdb } from '../src/data/aclimdb';
import { rankByTrainFrequency, textToWords, WordInterner } from '../src/data/keras-text';
import { loadDataset } from '../src/data/registry';
import { binaryMatrix, kerasSequence, packSequences, padSequences } from '../src/data/sequences';
import { NUMPY_IMDB_LIKE_NPZ, NUMPY_REUTERS_LIKE_NPZ, sharedCorpus, tempDir, TINY_ACLIMDB, writeTarGz } from './helpers/data-fixtures';

const quiet = { seed: 1, log: () => undefined, download: false };

describe('Keras text preprocessing', () => {
  test('lower-cases, removes <br />, applies the Keras filter, splits on whitespace', () => {
    expect(textToWords('Bad movie. Bad, BAD acting!<br /><br />Terrible.')).toEqual(['bad', 'movie', 'bad', 'bad', 'acting', 'terrible']);
    // the apostrophe is not in Keras' filter; tabs, newlines and the filter characters split words
    expect(textToWords("  Don't\tstop-me\nnow (1987) &lt;x>  ")).toEqual(["don't", 'stop', 'me', 'now', '1987', 'lt', 'x']);
    expect(textToWords('~!@#$%^&*()_+{}|:"<>?')).toEqual([]);
  });

  test('ranks by training frequency; ties keep first-seen order', () => {
    const words = new WordInterner();
    const docs = [['b', 'a', 'c'], ['a', 'd', 'c', 'a'], ['d', 'e']].map((d) => words.idsOf(d));
    const { rank, distinct } = rankByTrainFrequency(docs, words.size);
    // counts a 3, c 2, d 2, b 1, e 1; c before d and b before e (seen first)
    const rankOf = (w: string) => rank[words.words.indexOf(w)];
    expect(['a', 'c', 'd', 'b', 'e'].map(rankOf)).toEqual([1, 2, 3, 4, 5]);
    expect(distinct).toBe(5);
    // words only in documents not counted get rank 0 (unknown)
    const unseen = words.idsOf(['zzz'])[0];
    expect(rankByTrainFrequency(docs, words.size).rank[unseen]).toBe(0);
  });

  test('load_data sequences: start 1, oov 2, index_from 3, num_words cut; pad_sequences pre/pre; binary matrix', () => {
    expect(Array.from(kerasSequence([1, 5, 0, 9, 2], 10))).toEqual([1, 4, 8, 2, 2, 5]);
    const packed = packSequences([Int32Array.from([1, 4, 5, 6, 7]), Int32Array.from([1, 9]), Int32Array.from([])], 10);
    expect(Array.from(padSequences(packed, 3))).toEqual([5, 6, 7, 0, 1, 9, 0, 0, 0]);
    expect(Array.from(binaryMatrix(packed, 6))).toEqual([0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('IMDB from the aclImdb archive, vectorised by hand', () => {
  /*
   * Training words in canonical order (neg 0, neg 1, pos 0, pos 1) with counts:
   *   bad 4 | movie 3, good 3, a 3 | acting 2, plot 2, great 2 | terrible 1, not 1, the 1, was 1
   * ranks 1..11 in that order (ties by first appearance), ids = rank + 3:
   *   bad 4, movie 5, good 6, a 7, acting 8, plot 9, great 10, terrible 11, not 12, the 13, was 14.
   * With numWords 12, ids >= 12 become oov 2; words never seen in training ("unseen", "words") too.
   */
  const expected = new Map<string, number>([
    [[1, 4, 5, 4, 4, 8, 11].join(','), 0], // "Bad movie. Bad, BAD acting!<br /><br />Terrible."
    [[1, 2, 6, 2, 9, 2, 4].join(','), 0], // "Not good; the plot was bad."
    [[1, 7, 6, 5, 7, 10, 5].join(','), 1], // "A good movie, a GREAT movie."
    [[1, 10, 8, 7, 6, 9].join(','), 1], // "Great acting & a good plot."
  ]);
  const expectedTest = new Map<string, number>([
    [[0, 0, 0, 1, 4, 9, 2, 2].join(','), 0], // "Bad plot, unseen words." padded to 8
    [[0, 0, 0, 0, 1, 6, 6, 5].join(','), 1], // "Good good movie"
  ]);

  test('train and test sequences match the hand-computed ones, with their labels', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'aclImdb_v1.tar.gz'), TINY_ACLIMDB);
    const ds = await loadDataset(
      { name: 'imdb', path: file, validation: 'test', options: { numWords: 12, maxlen: 8 } },
      { ...quiet, cacheDir: path.join(dir, 'cache') },
    );
    expect(ds.inputShape).toEqual([8]);
    expect(ds.inputDtype).toBe('int32');
    expect(ds.labelKind).toBe('binary');
    expect(ds.vocabSize).toBe(12);
    expect(ds.train.n).toBe(4);
    const rows = (x: Int32Array | Float32Array, labels: Int32Array, width: number) =>
      new Map(Array.from(labels, (l, i) => [Array.from(x.subarray(i * width, (i + 1) * width)).join(','), l]));
    // train rows are 7 long at most: with maxlen 8 each is left-padded with zeros
    const trainRows = rows(ds.train.x, ds.train.labels, 8);
    const unpadded = new Map([...trainRows].map(([k, v]) => [k.replace(/^(0,)+/, ''), v]));
    expect(unpadded).toEqual(expected);
    expect(rows(ds.validation.x, ds.validation.labels, 8)).toEqual(expectedTest);
    expect(Array.from(ds.train.y)).toEqual(Array.from(ds.train.labels));
  });

  test('maxlen truncates at the front (pre) and the same corpus unpacked in a folder reads the same', async () => {
    const dir = tempDir();
    for (const e of TINY_ACLIMDB) {
      fs.mkdirSync(path.join(dir, path.dirname(e.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, e.path), e.content);
    }
    const ds = await loadDataset(
      { name: 'imdb', path: path.join(dir, 'aclImdb'), validation: 'test', options: { numWords: 12, maxlen: 3 } },
      { ...quiet, cacheDir: path.join(dir, 'cache') },
    );
    const got = new Set(Array.from({ length: 4 }, (_, i) => Array.from(ds.train.x.subarray(i * 3, i * 3 + 3)).join(',')));
    expect(got).toEqual(new Set([[4, 8, 11], [9, 2, 4], [7, 10, 5], [7, 6, 9]].map((r) => r.join(','))));
  });

  test('the shuffle is fixed by the dataset seed, not the run seed', async () => {
    const dir = tempDir();
    const file = writeTarGz(path.join(dir, 'aclImdb.tar.gz'), TINY_ACLIMDB);
    const load = (runSeed: number, seed: number) =>
      loadDataset(
        { name: 'imdb', path: file, validation: 'test', options: { numWords: 12, maxlen: 8, seed } },
        { ...quiet, seed: runSeed, cacheDir: path.join(dir, 'cache') },
      );
    const a = await load(1, 113);
    const b = await load(99, 113);
    expect(Array.from(b.train.x)).toEqual(Array.from(a.train.x));
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) orders.add(Array.from((await load(1, seed)).train.labels).join(''));
    expect(orders.size).toBeGreaterThan(1);
  });

  test('a copy missing a class folder is a UserError naming the archive', async () => {
    const dir = tempDir();
    const file = writeTarGz(
      path.join(dir, 'aclImdb.tar.gz'),
      TINY_ACLIMDB.filter((e) => !e.path.startsWith('aclImdb/test/neg/')),
    );
    await expect(readAclImdb(file)).rejects.toThrow(/aclImdb\.tar\.gz: no reviews in aclImdb\/test\/neg\//);
  });
});

describe('Keras .npz copies', () => {
  test('imdb.npz: word ranks get start/oov/index_from like load_data', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'imdb.npz');
    fs.writeFileSync(file, Buffer.from(NUMPY_IMDB_LIKE_NPZ, 'base64'));
    const ds = await loadDataset(
      { name: 'imdb', path: file, validation: 'test', options: { numWords: 20, maxlen: 5 } },
      { ...quiet, cacheDir: path.join(dir, 'cache') },
    );
    // x_train ranks [[1,14,22,16],[5,300,70000],[]] -> [1,4,17,2,19], [1,8,2,2], [1]
    const rows = new Set(Array.from({ length: 3 }, (_, i) => `${ds.train.labels[i]}:${Array.from(ds.train.x.subarray(i * 5, i * 5 + 5)).join(',')}`));
    expect(rows).toEqual(new Set(['1:1,4,17,2,19', '0:0,1,8,2,2', '1:0,0,0,0,1']));
    expect(ds.validation.n).toBe(2);
  });

  test('reuters.npz: seeded 80/20 split of x/y, one-hot over max(y)+1 classes', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'reuters.npz');
    fs.writeFileSync(file, Buffer.from(NUMPY_REUTERS_LIKE_NPZ, 'base64'));
    const ds = await loadDataset(
      { name: 'reuters', path: file, validation: 'test', options: { numWords: 10 } },
      { ...quiet, cacheDir: path.join(dir, 'cache') },
    );
    expect(ds.train.n).toBe(4);
    expect(ds.validation.n).toBe(1);
    expect(ds.numClasses).toBe(3);
    // x ranks [[1,2],[3],[4,5,6],[7],[8,9]] with y [0,1,2,1,0]: ids are ranks + 3, ids >= 10 become oov 2,
    // and every row holds the start char 1
    const byLabelAndWords = new Set<string>();
    for (const split of [ds.train, ds.validation]) {
      for (let i = 0; i < split.n; i++) {
        const row = split.x.subarray(i * 10, (i + 1) * 10);
        const ids = Array.from(row).flatMap((v, j) => (v === 1 ? [j] : []));
        byLabelAndWords.add(`${split.labels[i]}:${ids.join(',')}`);
      }
    }
    expect(byLabelAndWords).toEqual(new Set(['0:1,4,5', '1:1,6', '2:1,7,8,9', '1:1,2', '0:1,2']));
  });
});

describe('IMDB as published (../shared/datasets)', () => {
  const archive = sharedCorpus('aclImdb.tar.gz');
  const maybe = archive ? test : test.skip;

  maybe('25,000 + 25,000 reviews, balanced, ids below num_words, padded to 400; the second load comes from the cache', async () => {
    const cache = tempDir();
    const cfg = { name: 'imdb', path: archive, validation: 'test' as const, options: {} };
    const ds = await loadDataset(cfg, { ...quiet, cacheDir: cache });
    expect(ds.train.n).toBe(25000);
    expect(ds.validation.n).toBe(25000);
    expect(ds.inputShape).toEqual([400]);
    expect(ds.train.labels.reduce((a, b) => a + b, 0)).toBe(12500);
    expect(ds.validation.labels.reduce((a, b) => a + b, 0)).toBe(12500);
    let max = 0;
    for (const v of ds.train.x) if (v > max) max = v;
    expect(max).toBe(19999);
    expect(ds.info).toContain('25000 train sequences');
    const again = await loadDataset(cfg, { ...quiet, cacheDir: cache });
    expect(again.source).toContain('from cache');
    expect(Buffer.from(again.train.x.buffer, again.train.x.byteOffset, again.train.x.byteLength).equals(
      Buffer.from(ds.train.x.buffer, ds.train.x.byteOffset, ds.train.x.byteLength),
    )).toBe(true);
  });
});
