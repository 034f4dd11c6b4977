/**
 * A dataset from the user's files: read and check the whole source (the format's reader),
 * encode the targets, cache the result keyed by the files' content and the parsing options,
 * then shuffle, split, limit and standardize. Nothing is trained before all of it succeeded.
 */
import { UserError } from '../../errors';
import { Rng } from '../../rng';
import type { DataSplit, LabelKind, LoadedDataset } from '../../spec';
import type { LoadRequest, ValidationSource } from '../dataset-contract';
import { sourceFingerprint } from '../fingerprint';
import { readOrBuild, type CachedArrays } from '../parsed-cache';
import { chooseSplits, reorderSplit } from '../split';
import { pairFiles, readNpySource, readNpzSource } from './arrays';
import { readCsvSource } from './csv';
import { readImagesSource } from './images';
import { readJsonlSource } from './jsonl';
import { fileSourceProblems, FileSourceSchema, sourceFiles, sourceName, type FileFormat, type FileSource, type NpyPair } from './options';
import { checkFileSize, MAX_BINARY_FILE_BYTES, MAX_TEXT_FILE_BYTES, TEXT_TOO_BIG } from './limits';
import { requireDir, requireFile } from './paths';
import type { SourceData } from './source-data';
import { standardizeSplits } from './standardize';
import { encodeTargets } from './targets';

/** Bumped whenever reading or encoding changes, so caches of an older is-bench are ignored. */
export const FILE_CACHE_SCHEMA = 1;

/** The dataset part of a config for a file-based source: the format and its reader's options. */
export interface FileDatasetConfig {
  format: FileFormat;
  limit?: number;
  validation: ValidationSource;
  options: Record<string, unknown>;
}

/** The parsed options, or a UserError listing every problem. */
export function parseFileSource(options: unknown, validation: ValidationSource): FileSource {
  const parsed = FileSourceSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `dataset${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
    throw new UserError(`invalid file dataset: ${issues.join('; ')}`);
  }
  const problems = fileSourceProblems(parsed.data, validation);
  if (problems.length) throw new UserError(problems.join('; '));
  return parsed.data;
}

/** Every file or folder a source reads, checked to exist (for the fingerprint and for messages). */
export function sourcePaths(src: FileSource): { train: string[]; test: string[] } {
  if (src.format === 'npz') return { train: [src.path], test: [] };
  if (src.format === 'npy') {
    const files = sourceFiles<NpyPair>(src);
    const pair = (p: NpyPair | undefined) => (p === undefined ? [] : Object.values(pairFiles(p)));
    return { train: pair(files.train), test: pair(files.test) };
  }
  const files = sourceFiles<string>(src);
  return { train: files.train ? [files.train] : [], test: files.test ? [files.test] : [] };
}

/** Existence and size caps first: a wrong path fails at once, a huge file before it is hashed. */
function checkPaths(src: FileSource): void {
  const { train, test } = sourcePaths(src);
  const check = (p: string, what: string) => {
    if (src.format === 'images') return requireDir(p, what);
    requireFile(p, what);
    if (src.format === 'csv' || src.format === 'jsonl') checkFileSize(p, MAX_TEXT_FILE_BYTES, `a ${src.format} file`, TEXT_TOO_BIG[src.format]);
    else checkFileSize(p, MAX_BINARY_FILE_BYTES, `a .${src.format} file`, 'split it, or use fewer samples');
  };
  train.forEach((p) => check(p, src.path !== undefined ? 'dataset.path' : 'dataset.train'));
  test.forEach((p) => check(p, 'dataset.test'));
}

function readSource(src: FileSource): Promise<SourceData> | SourceData {
  switch (src.format) {
    case 'csv':
      return readCsvSource(src, sourceFiles<string>(src) as { train: string; test?: string });
    case 'npy':
      return readNpySource(src, sourceFiles<NpyPair>(src) as { train: NpyPair; test?: NpyPair });
    case 'npz':
      return readNpzSource(src);
    case 'images':
      return readImagesSource(src, sourceFiles<string>(src) as { train: string; test?: string });
    case 'jsonl':
      return readJsonlSource(src, sourceFiles<string>(src) as { train: string; test?: string });
  }
}

interface FileMeta {
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  vocabSize?: number;
  labelKind: LabelKind;
  numClasses: number;
  classNames?: string[];
  hasTest: boolean;
  info: string[];
}

/** Keys that change what is read (not the shuffle, split or standardization done afterwards). */
function parsingOptions(src: FileSource): Record<string, unknown> {
  const { name: _name, shuffle: _shuffle, seed: _seed, ...rest } = src;
  const parsing: Record<string, unknown> = { ...rest };
  // where the files are is in the fingerprints; standardize is applied after the split
  for (const k of ['path', 'train', 'test', 'standardize']) delete parsing[k];
  return parsing;
}

async function readEncodedCached(src: FileSource, request: LoadRequest): Promise<{ meta: FileMeta; arrays: CachedArrays; note: string }> {
  checkPaths(src);
  const paths = sourcePaths(src);
  const fingerprints = { train: await Promise.all(paths.train.map(sourceFingerprint)), test: await Promise.all(paths.test.map(sourceFingerprint)) };
  const key = { schema: FILE_CACHE_SCHEMA, fingerprints, options: parsingOptions(src) };
  const result = await readOrBuild<FileMeta>({
    dataset: `file-${src.format}`,
    key,
    cacheDir: request.cacheDir,
    what: paths.train[0],
    log: request.log,
    accept: (a) => a.trainX !== undefined && a.trainY instanceof Float32Array && a.trainLabels instanceof Int32Array,
    build: async () => {
      const data = await readSource(src);
      const targets = encodeTargets(data.train.targets, data.test?.targets, src.target, data.targetName);
      const arrays: CachedArrays = { trainX: compactIds(data.train.x), trainY: targets.train.y, trainLabels: targets.train.labels };
      if (data.test && targets.test) Object.assign(arrays, { testX: compactIds(data.test.x), testY: targets.test.y, testLabels: targets.test.labels });
      const meta: FileMeta = {
        inputShape: data.inputShape,
        inputDtype: data.inputDtype,
        ...(data.vocabSize !== undefined ? { vocabSize: data.vocabSize } : {}),
        labelKind: targets.labelKind,
        numClasses: targets.numClasses,
        ...(targets.classNames ? { classNames: targets.classNames } : {}),
        hasTest: data.test !== undefined,
        info: [...data.info, targets.note],
      };
      return { arrays, meta };
    },
  });
  return { meta: result.meta, arrays: result.arrays, note: result.note };
}

/** Token ids that fit in 16 bits are cached as such: half the file, half the read. */
function compactIds(x: Float32Array | Int32Array): Float32Array | Int32Array | Uint16Array {
  if (!(x instanceof Int32Array)) return x;
  for (let i = 0; i < x.length; i++) if (x[i] < 0 || x[i] > 65535) return x;
  return Uint16Array.from(x);
}

function splitOf(arrays: CachedArrays, prefix: 'train' | 'test', dtype: 'float32' | 'int32'): DataSplit {
  const x = arrays[`${prefix}X`];
  const labels = arrays[`${prefix}Labels`] as Int32Array;
  const typed = dtype === 'int32' ? (x instanceof Int32Array ? x : Int32Array.from(x)) : x instanceof Float32Array ? x : Float32Array.from(x);
  return { x: typed, y: arrays[`${prefix}Y`] as Float32Array, labels, n: labels.length };
}

/** Loads a file-based dataset with the config's validation and limit choices applied. */
export async function loadFileDataset(cfg: FileDatasetConfig, request: LoadRequest): Promise<LoadedDataset> {
  const src = parseFileSource({ ...cfg.options, format: cfg.format }, cfg.validation);
  const { meta, arrays, note } = await readEncodedCached(src, request);
  const name = sourceName(src);
  let train = splitOf(arrays, 'train', meta.inputDtype);
  const test = meta.hasTest ? splitOf(arrays, 'test', meta.inputDtype) : undefined;
  const info = [...meta.info];
  if (src.shuffle) {
    train = reorderSplit(train, Rng.forRole(src.seed, 'file-dataset-shuffle').permutation(train.n));
    info.push(`training samples shuffled once with seed ${src.seed} (shuffle: false keeps the file's order)`);
  }
  const chosen = chooseSplits(train, test, cfg, () =>
    new UserError(`${sourcePaths(src).train[0]}: holds no test split (x_test, y_test); set validation: {holdout: 0.1} in the dataset block`),
  );
  info.push(...chosen.info);
  let { validation } = chosen;
  let finalTrain = chosen.train;
  let finalTest = chosen.test;
  if ('standardize' in src && src.standardize) {
    if (meta.inputDtype !== 'float32') throw new UserError('dataset.standardize: the inputs are token ids (inputDtype int32); standardize applies to float inputs');
    const width = meta.inputShape.reduce((a, b) => a * b, 1);
    const s = standardizeSplits(finalTrain, finalTest ? [validation, finalTest] : [validation], width);
    finalTrain = s.train;
    validation = s.others[0];
    finalTest = s.others[1];
    info.push(`standardized ${width} features with the mean and standard deviation of the ${finalTrain.n} training samples${s.constant ? ` (${s.constant} constant features only centred)` : ''}`);
  }
  const where = sourcePaths(src);
  return {
    name,
    inputShape: meta.inputShape,
    inputDtype: meta.inputDtype,
    labelKind: meta.labelKind,
    numClasses: meta.numClasses,
    ...(meta.classNames ? { classNames: meta.classNames } : {}),
    ...(meta.vocabSize !== undefined ? { vocabSize: meta.vocabSize } : {}),
    train: finalTrain,
    validation,
    ...(finalTest ? { test: finalTest } : {}),
    source: `${src.format} ${[...where.train, ...where.test].join(', ')} (${note})`,
    info,
  };
}
