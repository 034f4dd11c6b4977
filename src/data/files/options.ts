/**
 * The `dataset:` block of a file-based source: `format` picks the reader, the rest are that
 * reader's options. Generic keys (`limit`, `validation`) are the same as for built-in datasets
 * and are not part of these schemas.
 */
import * as path from 'path';
import { z } from 'zod';
import { maxlenOption, numWordsOption } from '../size-ranges';

export const FILE_FORMATS = ['csv', 'npy', 'npz', 'images', 'jsonl'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/**
 * What the target column/array holds. `auto`: classes, unless the values are numbers and not all
 * integers (then regression); a loaded dataset's info says which was chosen.
 */
const Target = z.enum(['auto', 'classes', 'binary', 'regression']).default('auto');
export type TargetChoice = z.infer<typeof Target>;

const file = z.string().min(1);

/** Keys every format has: where the files are, a display name, and the fixed shuffle. */
const common = {
  /** Names the dataset in logs and summary.json; default: the file or folder name. */
  name: z.string().min(1).optional(),
  /**
   * Shuffle the training samples once, with `seed`, before any holdout is cut (files are often
   * sorted by class, and a holdout of the last rows would then hold one class only).
   */
  shuffle: z.boolean().default(true),
  /** Seed of that fixed shuffle (not the run seed: --seed changes the training, not the task). */
  seed: z.number().int().min(0).default(113),
};

/** Options of the numeric formats: scaling of the inputs. */
const numeric = {
  target: Target,
  /** Divide every input value by this (255 for 8-bit pixels). Applied before standardize. */
  divideBy: z.number().positive().optional(),
  /** Centre and scale each input feature by the training split's mean and standard deviation. */
  standardize: z.boolean().default(false),
};

const Columns = z.union([z.array(z.string().min(1)).min(1), z.object({ exclude: z.array(z.string().min(1)).min(1) }).strict()]);

export const CsvSource = z
  .object({
    format: z.literal('csv'),
    path: file.optional(),
    train: file.optional(),
    test: file.optional(),
    /** The target column (several columns: a multi-output regression target). */
    label: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** The input columns: a list, or {exclude: [...]}; default every column but the label. */
    features: Columns.optional(),
    /** Field separator: ',' (default), ';' or '\t' for tab-separated files. */
    delimiter: z.string().length(1).default(','),
    ...numeric,
    ...common,
  })
  .strict();

/** An x.npy / y.npy pair: a folder holding both, or the two files. */
const NpyPair = z.union([file, z.object({ x: file, y: file }).strict()]);

export const NpySource = z
  .object({
    format: z.literal('npy'),
    path: NpyPair.optional(),
    train: NpyPair.optional(),
    test: NpyPair.optional(),
    /** int32: the inputs are token ids for an embedding layer (integers >= 0). */
    inputDtype: z.enum(['float32', 'int32']).default('float32'),
    ...numeric,
    ...common,
  })
  .strict();

export const NpzSource = z
  .object({
    format: z.literal('npz'),
    /** One .npz with Keras' members x_train, y_train and (optionally) x_test, y_test. */
    path: file,
    inputDtype: z.enum(['float32', 'int32']).default('float32'),
    ...numeric,
    ...common,
  })
  .strict();

const side = z.number().int().min(1).max(4096);

export const ImagesSource = z
  .object({
    format: z.literal('images'),
    path: file.optional(),
    train: file.optional(),
    test: file.optional(),
    /** [height, width] every image is resized to (bilinear, as tf.image.resize). */
    imageSize: z.tuple([side, side]),
    /** 1: grayscale (ITU-R 601 luma), 3: RGB; alpha is dropped. */
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
    target: z.enum(['auto', 'classes', 'binary']).default('auto'),
    ...common,
  })
  .strict();

export const JsonlSource = z
  .object({
    format: z.literal('jsonl'),
    path: file.optional(),
    train: file.optional(),
    test: file.optional(),
    /** The key holding the text of each line's object. */
    textField: z.string().min(1).default('text'),
    /** The key holding the label. */
    label: z.string().min(1).default('label'),
    /** Keep the numWords - 3 most frequent training words (ids < numWords); rarer ones become 2. */
    numWords: numWordsOption().default(20000),
    /** 'sequences': int32 ids padded to maxlen; 'binary-matrix': float32 bag of words [numWords]. */
    mode: z.enum(['sequences', 'binary-matrix']).default('sequences'),
    maxlen: maxlenOption().default(200),
    target: Target,
    ...common,
  })
  .strict();

export const FileSourceSchema = z.discriminatedUnion('format', [CsvSource, NpySource, NpzSource, ImagesSource, JsonlSource]);
export type FileSource = z.infer<typeof FileSourceSchema>;
export type CsvSource = z.infer<typeof CsvSource>;
export type NpySource = z.infer<typeof NpySource>;
export type NpzSource = z.infer<typeof NpzSource>;
export type ImagesSource = z.infer<typeof ImagesSource>;
export type JsonlSource = z.infer<typeof JsonlSource>;

/** An npy pair as two file paths. */
export type NpyPair = z.infer<typeof NpyPair>;

/** The training and (optional) test location of a source, as given. */
export function sourceFiles<T>(src: { path?: T; train?: T; test?: T }): { train?: T; test?: T } {
  return { train: src.path ?? src.train, test: src.test };
}

/**
 * Problems the schema cannot express, worded like the schema's own: where the files are and
 * whether a validation split exists. `validation` is the generic key of the same block.
 */
export function fileSourceProblems(src: FileSource, validation: 'test' | { holdout: number }): string[] {
  const problems: string[] = [];
  if (src.format === 'npz') return problems; // one file; whether it holds x_test is known once it is read
  const hasPath = src.path !== undefined;
  const hasTrain = src.train !== undefined;
  if (hasPath && (hasTrain || src.test !== undefined)) problems.push('dataset: give either path or train (and test), not both');
  else if (!hasPath && !hasTrain) problems.push(`dataset.path is required (or dataset.train and dataset.test): the ${src.format} ${src.format === 'images' ? 'folder' : 'file'} to read`);
  else if (validation === 'test' && src.test === undefined) {
    problems.push('dataset.validation: there is no test split to validate on; give dataset.test, or set validation: {holdout: 0.1} to hold out the last 10% of the (shuffled) training samples');
  }
  return problems;
}

/** Relative file paths resolved against `baseDir` (the config file's folder), so a run can resume from anywhere. */
export function resolveSourcePaths(src: FileSource, baseDir: string): FileSource {
  const abs = (p: string) => path.resolve(baseDir, p);
  const pair = (p: NpyPair | undefined): NpyPair | undefined => (p === undefined ? undefined : typeof p === 'string' ? abs(p) : { x: abs(p.x), y: abs(p.y) });
  if (src.format === 'npy') return { ...src, ...defined({ path: pair(src.path), train: pair(src.train), test: pair(src.test) }) };
  if (src.format === 'npz') return { ...src, path: abs(src.path) };
  return { ...src, ...defined({ path: src.path && abs(src.path), train: src.train && abs(src.train), test: src.test && abs(src.test) }) };
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The dataset's display name: given, or the file/folder name without its extension. */
export function sourceName(src: FileSource): string {
  if (src.name) return src.name;
  const where = src.format === 'npy' ? npyDisplay(src.path ?? src.train) : src.format === 'npz' ? src.path : (src.path ?? src.train ?? src.format);
  return path.basename(where).replace(/\.(csv|tsv|txt|npz|npy|jsonl|ndjson|json)$/i, '') || src.format;
}

function npyDisplay(p: NpyPair | undefined): string {
  if (p === undefined) return 'npy';
  return typeof p === 'string' ? p : path.dirname(p.x);
}
