import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { maxlenOption, numWordsOption } from './size-ranges';
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { readAclImdb } from './aclimdb';
import { rankByTrainFrequency } from './keras-text';
import { describeCopy, findCopy, type DatasetSources, type FoundCopy } from './locate';
import { npyToInt32 } from './npy';
import { NumpyRandomState } from './numpy-random';
import { readNpz } from './npz';
import { itemsToIntSequences } from './numpy-pickle';
import type { DatasetDefinition } from './dataset-contract';
import { cachedSequences, type SequenceSplits } from './sequence-cache';
import { binaryMatrix, kerasSequence, meanLength, packSequences, padSequences, reorder, type PackedSequences } from './sequences';

export const ImdbOptions = z
  .object({
    /** Keep the numWords - 3 most frequent training words (ids < numWords); rarer words become oov_char 2. */
    numWords: numWordsOption().default(20000),
    /** Pad/truncate every review to this many ids (Keras pad_sequences: 'pre' both). */
    maxlen: maxlenOption().default(400),
    /** 'sequences': int32 ids [maxlen] for an Embedding; 'binary-matrix': float32 bag of words [numWords]. */
    mode: z.enum(['sequences', 'binary-matrix']).default('sequences'),
    /** Seed of the fixed shuffle of train and test (Keras' load_data uses 113); not the run seed. */
    seed: z.number().int().default(113),
  })
  .strict();
export type ImdbOptions = z.infer<typeof ImdbOptions>;

export const imdbSources: DatasetSources = {
  forms: [
    { kind: 'npz', name: 'imdb.npz', dir: false, distinctive: true, label: 'Keras imdb.npz' },
    { kind: 'archive', name: 'aclImdb_v1.tar.gz', dir: false, distinctive: true, label: 'aclImdb archive' },
    { kind: 'archive', name: 'aclImdb.tar.gz', dir: false, distinctive: true, label: 'aclImdb archive' },
    {
      kind: 'folder',
      name: 'aclImdb',
      dir: true,
      distinctive: true,
      accept: (p) => fs.existsSync(path.join(p, 'train')) && fs.existsSync(path.join(p, 'test')),
      label: 'unpacked aclImdb/',
    },
    {
      kind: 'folder',
      name: '.',
      dir: true,
      distinctive: false,
      accept: (p) => fs.existsSync(path.join(p, 'train', 'pos')) && fs.existsSync(path.join(p, 'test', 'pos')),
      label: 'unpacked aclImdb folder (train/, test/)',
    },
  ],
  download: {
    files: [
      {
        url: 'https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz',
        name: 'aclImdb_v1.tar.gz',
        bytes: 84125825,
        sha256: 'c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe',
      },
    ],
  },
};

interface ImdbMeta {
  /** Distinct words in the training reviews (before num_words). */
  trainVocabulary: number;
}

/**
 * load_data's shuffle: one numpy RandomState(seed) (reproduced bit for bit) shuffles the
 * training reviews, then, continuing, the test reviews.
 */
function shuffleBoth(
  train: { seqs: Int32Array[]; labels: Int32Array },
  test: { seqs: Int32Array[]; labels: Int32Array },
  seed: number,
): { train: typeof train; test: typeof test } {
  const rng = new NumpyRandomState(seed);
  const apply = (s: typeof train) => {
    const order = rng.permutation(s.seqs.length);
    return { seqs: reorder(s.seqs, order), labels: Int32Array.from(order, (i) => s.labels[i]) };
  };
  const shuffledTrain = apply(train);
  return { train: shuffledTrain, test: apply(test) };
}

function toSplits(
  train: { seqs: Int32Array[]; labels: Int32Array },
  test: { seqs: Int32Array[]; labels: Int32Array },
  numWords: number,
): SequenceSplits {
  return {
    train: packSequences(train.seqs, numWords),
    trainLabels: train.labels,
    test: packSequences(test.seqs, numWords),
    testLabels: test.labels,
  };
}

/** The raw corpus: tokenise, rank words by training frequency, build Keras sequences, shuffle. */
async function buildFromCorpus(copy: FoundCopy, o: ImdbOptions): Promise<{ splits: SequenceSplits; meta: ImdbMeta }> {
  const corpus = await readAclImdb(copy.path);
  const { rank, distinct } = rankByTrainFrequency(
    corpus.train.map((r) => r.words),
    corpus.words.size,
  );
  const toSequence = (words: Int32Array) => kerasSequence(Int32Array.from(words, (w) => rank[w]), o.numWords);
  const split = (reviews: typeof corpus.train) => ({
    seqs: reviews.map((r) => toSequence(r.words)),
    labels: Int32Array.from(reviews, (r) => r.label),
  });
  const { train, test } = shuffleBoth(split(corpus.train), split(corpus.test), o.seed);
  return { splits: toSplits(train, test, o.numWords), meta: { trainVocabulary: distinct } };
}

/** Keras' imdb.npz: object arrays of word-rank lists (1 = most frequent) and 0/1 labels. */
async function buildFromNpz(copy: FoundCopy, o: ImdbOptions): Promise<{ splits: SequenceSplits; meta: ImdbMeta }> {
  const npz = readNpz(copy.path);
  let maxRank = 0;
  const split = (xName: string, yName: string) => {
    const x = npz.get(xName);
    if (x.kind !== 'object') throw new UserError(`${copy.path} (${xName}.npy): expected an object array of word-id lists`);
    const ranks = itemsToIntSequences(x.items, `${copy.path} (${xName}.npy)`);
    const labels = npyToInt32(npz.get(yName), `${copy.path} (${yName}.npy)`);
    if (labels.length !== ranks.length) throw new UserError(`${copy.path} (${yName}.npy): ${labels.length} labels for ${ranks.length} reviews`);
    for (const r of ranks) for (const v of r) if (v > maxRank) maxRank = v;
    return { seqs: ranks.map((r) => kerasSequence(r, o.numWords)), labels };
  };
  const { train, test } = shuffleBoth(split('x_train', 'y_train'), split('x_test', 'y_test'), o.seed);
  return { splits: toSplits(train, test, o.numWords), meta: { trainVocabulary: maxRank } };
}

function binarySplit(x: Float32Array | Int32Array, labels: Int32Array): DataSplit {
  return { x, y: Float32Array.from(labels), labels, n: labels.length };
}

/** Turns cached sequences into model inputs for the chosen mode. */
export function imdbInputs(packed: PackedSequences, o: Pick<ImdbOptions, 'mode' | 'maxlen' | 'numWords'>): Float32Array | Int32Array {
  return o.mode === 'binary-matrix' ? binaryMatrix(packed, o.numWords) : padSequences(packed, o.maxlen);
}

export const imdbDataset: DatasetDefinition<ImdbOptions> = {
  name: 'imdb',
  description:
    'IMDB movie-review sentiment (Large Movie Review Dataset), 25,000 train / 25,000 test reviews, binary; ' +
    'Keras-style word ids (options: numWords 20000, maxlen 400, mode, seed)',
  options: ImdbOptions,
  sources: imdbSources,
  expected: { train: 25000, test: 25000, inputShape: [400], numClasses: 2 },
  async load(o, request): Promise<LoadedDataset> {
    const copy = await findCopy('imdb', imdbSources, request);
    const cached = await cachedSequences<ImdbMeta>({
      dataset: 'imdb',
      copy,
      options: { numWords: o.numWords, seed: o.seed },
      cacheDir: request.cacheDir,
      log: request.log,
      build: () => (copy.form.kind === 'npz' ? buildFromNpz(copy, o) : buildFromCorpus(copy, o)),
    });
    const { splits } = cached;
    const train = binarySplit(imdbInputs(splits.train, o), splits.trainLabels);
    const test = binarySplit(imdbInputs(splits.test, o), splits.testLabels);
    const width = o.mode === 'binary-matrix' ? o.numWords : o.maxlen;
    return {
      name: 'imdb',
      inputShape: [width],
      inputDtype: o.mode === 'binary-matrix' ? 'float32' : 'int32',
      labelKind: 'binary',
      numClasses: 2,
      vocabSize: o.numWords,
      train,
      validation: test,
      source: `${describeCopy(copy)} (${cached.note})`,
      info: [
        `${train.n} train sequences`,
        `${test.n} test sequences`,
        `Average train sequence length: ${Math.round(meanLength(splits.train))}`,
        `Average test sequence length: ${Math.round(meanLength(splits.test))}`,
        `x_train shape: (${train.n}, ${width})`,
        `x_test shape: (${test.n}, ${width})`,
        `${cached.meta.trainVocabulary} distinct training words, ${o.numWords} word ids kept (num_words)`,
      ],
    };
  },
};
