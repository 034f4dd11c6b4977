import * as path from 'path';
import type { FoundCopy } from './locate';
import { readOrBuild, type CachedArrays } from './parsed-cache';
import { sourceFingerprint } from './fingerprint';
import type { PackedSequences } from './sequences';

/** Train and test word-id sequences with their labels: what a text dataset caches. */
export interface SequenceSplits {
  train: PackedSequences;
  trainLabels: Int32Array;
  test: PackedSequences;
  testLabels: Int32Array;
}

/**
 * Bumped whenever tokenising or sequence building changes, so caches written by an older
 * is-bench are ignored rather than trusted.
 */
export const SEQUENCE_CACHE_SCHEMA = 2;

function toArrays(s: SequenceSplits): CachedArrays {
  return {
    trainTokens: s.train.tokens,
    trainOffsets: s.train.offsets,
    trainLabels: s.trainLabels,
    testTokens: s.test.tokens,
    testOffsets: s.test.offsets,
    testLabels: s.testLabels,
  };
}

function fromArrays(a: CachedArrays): SequenceSplits | undefined {
  const { trainTokens, trainOffsets, trainLabels, testTokens, testOffsets, testLabels } = a;
  const tokens = (t: unknown) => t instanceof Uint16Array || t instanceof Int32Array;
  if (!tokens(trainTokens) || !tokens(testTokens)) return undefined;
  if (![trainOffsets, trainLabels, testOffsets, testLabels].every((t) => t instanceof Int32Array)) return undefined;
  return {
    train: { tokens: trainTokens as Int32Array | Uint16Array, offsets: trainOffsets as Int32Array },
    trainLabels: trainLabels as Int32Array,
    test: { tokens: testTokens as Int32Array | Uint16Array, offsets: testOffsets as Int32Array },
    testLabels: testLabels as Int32Array,
  };
}

export interface CachedSequencesResult<M> {
  splits: SequenceSplits;
  meta: M;
  /** "parsed in 9.1 s, cached as ..." or "from cache ..." */
  note: string;
  cacheFile: string;
  fromCache: boolean;
}

/**
 * Word-id sequences of a text dataset: read from the parsed cache when one was written for
 * this exact source (content hash) and these vectorising options; otherwise built (the slow
 * parse) and cached for next time.
 */
export async function cachedSequences<M>(args: {
  dataset: string;
  copy: FoundCopy;
  /** The options that shape the sequences (num_words, seed, ...), part of the key. */
  options: Record<string, unknown>;
  cacheDir?: string;
  log: (line: string) => void;
  build: () => Promise<{ splits: SequenceSplits; meta: M }>;
}): Promise<CachedSequencesResult<M>> {
  const key = {
    schema: SEQUENCE_CACHE_SCHEMA,
    dataset: args.dataset,
    form: args.copy.form.kind,
    source: await sourceFingerprint(args.copy.path),
    options: args.options,
  };
  const result = await readOrBuild<M>({
    dataset: args.dataset,
    key,
    cacheDir: args.cacheDir,
    what: path.basename(args.copy.path),
    log: args.log,
    accept: (arrays) => fromArrays(arrays) !== undefined,
    build: async () => {
      const built = await args.build();
      return { arrays: toArrays(built.splits), meta: built.meta };
    },
  });
  const { arrays, ...rest } = result;
  return { ...rest, splits: fromArrays(arrays)! };
}
