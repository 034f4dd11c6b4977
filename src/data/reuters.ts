/**
 * The Reuters newswire topic task of keras.datasets.reuters, built from Reuters-21578 as
 * published (22 SGML files), or read from Keras' reuters.npz when that is the copy found.
 *
 * From the raw corpus: documents with at least one <TOPICS> entry (11,367 of 21,578), labelled
 * with their first topic, keeping the 46 most frequent labels: 11,228 newswires, the same count
 * and the same 46 topics in the same class-id order as reuters.npz. The split is load_data's:
 * numpy's RandomState(113).shuffle (reproduced exactly), first 80% train: 8,982 / 2,246. Text is
 * the <BODY>, tokenised with the Keras filter (entities left raw, so "&#3;" becomes the word "3"
 * as in Keras' data; NEWID 2560 reads "... said as a result of its december acquisition of space
 * co ... reuter 3", as Keras' decoded first training sample does).
 * How it differs from reuters.npz: word ranks come from training-set frequency here (Keras
 * ranked once, over its own preprocessing, unpublished); the 975 kept documents without a <BODY>
 * (briefs, unprocessed wires) use the text of <TEXT> (mostly the title) here, and what Keras used
 * for them is unknown. Results differ accordingly: the Keras MLP reaches about 0.87 validation
 * accuracy here after 3-5 epochs, against 0.80 in the reference run on reuters.npz.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { maxlenOption, numWordsOption } from './size-ranges';
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { rankByTrainFrequency, textToWords, WordInterner } from './keras-text';
import { describeCopy, findCopy, type DatasetSources, type FoundCopy } from './locate';
import { npyToInt32 } from './npy';
import { NumpyRandomState } from './numpy-random';
import { readNpz } from './npz';
import { itemsToIntSequences } from './numpy-pickle';
import { oneHot } from './one-hot';
import type { DatasetDefinition } from './dataset-contract';
import { buildTopicTask, readReutersCorpus, REUTERS_FILES } from './reuters-sgml';
import { cachedSequences, type SequenceSplits } from './sequence-cache';
import { binaryMatrix, kerasSequence, packSequences, padSequences, reorder, type PackedSequences } from './sequences';

export const ReutersOptions = z
  .object({
    /** Keep the numWords - 3 most frequent training words (ids < numWords); rarer words become oov_char 2. */
    numWords: numWordsOption().default(1000),
    /** 'binary-matrix': float32 bag of words [numWords] (the Reuters MLP); 'sequences': int32 ids [maxlen]. */
    mode: z.enum(['binary-matrix', 'sequences']).default('binary-matrix'),
    /** Sequence length in 'sequences' mode (pad_sequences, 'pre' padding and truncation). */
    maxlen: maxlenOption().default(200),
    /** Keep the documents whose first topic is among this many most frequent first topics. */
    topics: z.number().int().min(2).default(46),
    /** Fraction of documents held out as the test split. */
    testSplit: z.number().gt(0).lt(1).default(0.2),
    /** Seed of the fixed train/test shuffle (Keras' load_data uses 113); not the run seed. */
    seed: z.number().int().default(113),
  })
  .strict();
export type ReutersOptions = z.infer<typeof ReutersOptions>;

const hasSgml = (p: string) => fs.existsSync(path.join(p, REUTERS_FILES[0]));

export const reutersSources: DatasetSources = {
  forms: [
    { kind: 'npz', name: 'reuters.npz', dir: false, distinctive: true, label: 'Keras reuters.npz' },
    { kind: 'archive', name: 'reuters21578.tar.gz', dir: false, distinctive: true, label: 'Reuters-21578 archive' },
    { kind: 'folder', name: 'reuters21578', dir: true, distinctive: true, accept: hasSgml, label: 'unpacked reuters21578/' },
    { kind: 'folder', name: '.', dir: true, distinctive: false, accept: hasSgml, label: 'folder of reut2-*.sgm files' },
  ],
  download: {
    files: [
      {
        url: 'https://kdd.ics.uci.edu/databases/reuters21578/reuters21578.tar.gz',
        name: 'reuters21578.tar.gz',
        bytes: 8150596,
        sha256: '3bae43c9b14e387f76a61b6d82bf98a4fb5d3ef99ef7e7075ff2ccbcf59f9d30',
      },
    ],
  },
};

interface ReutersMeta {
  topicNames: string[];
  numClasses: number;
  /** Counts of the raw corpus, for the info lines (absent for reuters.npz). */
  corpus?: { documents: number; withTopics: number; kept: number; trainVocabulary: number };
}

/**
 * load_data's split: numpy's RandomState(seed).shuffle of the documents (reproduced bit for
 * bit), then the first floor(n * (1 - testSplit)) are train. With documents in corpus order
 * this is the split Keras makes of reuters.npz.
 */
function splitIndices(n: number, o: ReutersOptions): { train: Int32Array; test: Int32Array } {
  const order = new NumpyRandomState(o.seed).permutation(n);
  const nTrain = Math.floor(n * (1 - o.testSplit));
  return { train: order.subarray(0, nTrain), test: order.subarray(nTrain) };
}

function toSplits(seqs: Int32Array[], labels: Int32Array, idx: { train: Int32Array; test: Int32Array }, numWords: number): SequenceSplits {
  return {
    train: packSequences(reorder(seqs, idx.train), numWords),
    trainLabels: Int32Array.from(idx.train, (i) => labels[i]),
    test: packSequences(reorder(seqs, idx.test), numWords),
    testLabels: Int32Array.from(idx.test, (i) => labels[i]),
  };
}

/** The raw corpus: the Keras-style topic task, words ranked by training-set frequency. */
async function buildFromCorpus(copy: FoundCopy, o: ReutersOptions): Promise<{ splits: SequenceSplits; meta: ReutersMeta }> {
  const all = await readReutersCorpus(copy.path);
  const task = buildTopicTask(all, o.topics);
  const words = new WordInterner();
  const docWords = task.docs.map((d) => words.idsOf(textToWords(d.text)));
  const idx = splitIndices(task.docs.length, o);
  // rank over the training documents in corpus order, so the vocabulary depends on which
  // documents are in training, not on the shuffled order
  const trainInCorpusOrder = Array.from(idx.train).sort((a, b) => a - b);
  const { rank, distinct } = rankByTrainFrequency(
    trainInCorpusOrder.map((i) => docWords[i]),
    words.size,
  );
  const seqs = docWords.map((w) => kerasSequence(Int32Array.from(w, (id) => rank[id]), o.numWords));
  return {
    splits: toSplits(seqs, task.labels, idx, o.numWords),
    meta: {
      topicNames: task.topicNames,
      numClasses: task.topicNames.length,
      corpus: { documents: all.length, withTopics: task.withTopics, kept: task.docs.length, trainVocabulary: distinct },
    },
  };
}

/** Keras' reuters.npz: x (object array of word-rank lists) and y (topic ids), 11,228 newswires. */
async function buildFromNpz(copy: FoundCopy, o: ReutersOptions): Promise<{ splits: SequenceSplits; meta: ReutersMeta }> {
  const npz = readNpz(copy.path);
  const x = npz.get('x');
  if (x.kind !== 'object') throw new UserError(`${copy.path} (x.npy): expected an object array of word-id lists`);
  const ranks = itemsToIntSequences(x.items, `${copy.path} (x.npy)`);
  const labels = npyToInt32(npz.get('y'), `${copy.path} (y.npy)`);
  if (labels.length !== ranks.length) throw new UserError(`${copy.path} (y.npy): ${labels.length} labels for ${ranks.length} newswires`);
  const numClasses = labels.reduce((m, v) => Math.max(m, v), 0) + 1;
  const seqs = ranks.map((r) => kerasSequence(r, o.numWords));
  return {
    splits: toSplits(seqs, labels, splitIndices(ranks.length, o), o.numWords),
    meta: { topicNames: Array.from({ length: numClasses }, (_, i) => `topic ${i}`), numClasses },
  };
}

function reutersInputs(packed: PackedSequences, o: ReutersOptions): Float32Array | Int32Array {
  return o.mode === 'binary-matrix' ? binaryMatrix(packed, o.numWords) : padSequences(packed, o.maxlen);
}

function categoricalSplit(x: Float32Array | Int32Array, labels: Int32Array, numClasses: number): DataSplit {
  return { x, y: oneHot(labels, numClasses), labels, n: labels.length };
}

export const reutersDataset: DatasetDefinition<ReutersOptions> = {
  name: 'reuters',
  description:
    'Reuters-21578 newswire topics, Keras-style: first topic of each tagged document, 46 most frequent topics, ' +
    'seeded 80/20 split (8,982 / 2,246); options: numWords 1000, mode binary-matrix|sequences, maxlen, topics, testSplit, seed',
  options: ReutersOptions,
  sources: reutersSources,
  expected: { train: 8982, test: 2246, inputShape: [1000], numClasses: 46 },
  async load(o, request): Promise<LoadedDataset> {
    const copy = await findCopy('reuters', reutersSources, request);
    const cached = await cachedSequences<ReutersMeta>({
      dataset: 'reuters',
      copy,
      options: { numWords: o.numWords, topics: o.topics, testSplit: o.testSplit, seed: o.seed },
      cacheDir: request.cacheDir,
      log: request.log,
      build: () => (copy.form.kind === 'npz' ? buildFromNpz(copy, o) : buildFromCorpus(copy, o)),
    });
    const { splits, meta } = cached;
    const train = categoricalSplit(reutersInputs(splits.train, o), splits.trainLabels, meta.numClasses);
    const test = categoricalSplit(reutersInputs(splits.test, o), splits.testLabels, meta.numClasses);
    const width = o.mode === 'binary-matrix' ? o.numWords : o.maxlen;
    const info = [`${train.n} train sequences`, `${test.n} test sequences`, `${meta.numClasses} classes`];
    if (meta.corpus) {
      info.push(
        `Reuters-21578: ${meta.corpus.documents} documents, ${meta.corpus.withTopics} with a topic, ` +
          `${meta.corpus.kept} whose first topic is among the ${meta.numClasses} most frequent; ` +
          `${meta.corpus.trainVocabulary} distinct training words`,
      );
    }
    if (copy.form.kind === 'npz' && o.topics !== 46) info.push(`reuters.npz holds Keras' ${meta.numClasses} topics; option topics=${o.topics} ignored`);
    info.push(`x_train shape: (${train.n}, ${width})`, `x_test shape: (${test.n}, ${width})`);
    return {
      name: 'reuters',
      inputShape: [width],
      inputDtype: o.mode === 'binary-matrix' ? 'float32' : 'int32',
      labelKind: 'categorical',
      numClasses: meta.numClasses,
      vocabSize: o.numWords,
      train,
      validation: test,
      source: `${describeCopy(copy)} (${cached.note})`,
      info,
    };
  },
};
