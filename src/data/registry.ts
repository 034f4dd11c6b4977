import { z } from 'zod';
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { cifar10Dataset } from './cifar10';
import { fashionMnistDataset } from './fashion-mnist';
import { imdbDataset } from './imdb';
import type { DatasetSources } from './locate';
import { mnistDataset } from './mnist';
import { reutersDataset } from './reuters';
import { syntheticDataset } from './synthetic';

/** Where validation metrics come from: the dataset's test split, or the last part of train. */
export type ValidationSource = 'test' | { holdout: number };

/** What every loader is given besides its own options. */
export interface LoadRequest {
  /** An explicit file or folder (config `path`): it must hold the dataset. */
  path?: string;
  /** A folder of datasets (`--data-dir`), searched first, like $IS_BENCH_DATA. */
  dataDir?: string;
  /** Where parsed text datasets are cached; default $IS_BENCH_CACHE, else datasets/.cache. */
  cacheDir?: string;
  /** Download from the official URL when no copy is found; default yes unless $IS_BENCH_OFFLINE is set. */
  download?: boolean;
  seed: number;
  log: (line: string) => void;
}

/** Registry entry of a dataset: how to load it, and its own options schema. */
export interface DatasetDefinition<O = Record<string, unknown>> {
  name: string;
  description: string;
  /** Dataset-specific options (beside name/path/limit/validation), strict, with defaults. */
  options: z.ZodType<O, z.ZodTypeDef, unknown>;
  load(options: O, request: LoadRequest): Promise<LoadedDataset>;
  /** Where copies are found and fetched from; absent for generated datasets. */
  sources?: DatasetSources;
  /** Sizes and shapes with the default options, for `is-bench datasets` and messages. */
  expected: ExpectedSizes;
}

/** What a dataset looks like once loaded with its default options. */
export interface ExpectedSizes {
  train: number;
  test: number;
  inputShape: number[];
  numClasses: number;
}

const DATASETS: DatasetDefinition<any>[] = [
  mnistDataset,
  fashionMnistDataset,
  reutersDataset,
  imdbDataset,
  cifar10Dataset,
  syntheticDataset,
];

export function datasetNames(): string[] {
  return DATASETS.map((d) => d.name);
}

export function listDatasets(): { name: string; description: string }[] {
  return DATASETS.map(({ name, description }) => ({ name, description }));
}

export function getDataset(name: string): DatasetDefinition<any> {
  const def = DATASETS.find((d) => d.name === name);
  if (!def) throw new UserError(`unknown dataset "${name}" (known: ${datasetNames().join(', ')})`);
  return def;
}

/** The dataset part of an experiment config, after validation. */
export interface DatasetConfig {
  name: string;
  path?: string;
  limit?: number;
  validation: ValidationSource;
  options: Record<string, unknown>;
}

/** Loads a dataset, then applies the generic `limit` and `validation` choices. */
export async function loadDataset(cfg: DatasetConfig, request: LoadRequest): Promise<LoadedDataset> {
  const def = getDataset(cfg.name);
  const loaded = await def.load(parseDatasetOptions(def, cfg.options), { ...request, path: cfg.path ?? request.path });
  return applySplitChoices(loaded, cfg);
}

/** A dataset's own options, validated against its schema (defaults filled in). */
export function parseDatasetOptions<O>(def: DatasetDefinition<O>, options: unknown): O {
  const parsed = def.options.safeParse(options ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `dataset.options${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
    throw new UserError(`invalid options for dataset ${def.name}: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** The first `n` samples of a split (deterministic subsetting for --limit). */
export function takeFirst(split: DataSplit, n: number): DataSplit {
  if (n >= split.n) return split;
  const xWidth = split.x.length / split.n;
  const yWidth = split.y.length / split.n;
  return {
    x: split.x.subarray(0, n * xWidth) as DataSplit['x'],
    y: split.y.subarray(0, n * yWidth),
    labels: split.labels.subarray(0, n),
    n,
  };
}

/** Samples [from, to) of a split. */
export function sliceSplit(split: DataSplit, from: number, to: number): DataSplit {
  const xWidth = split.x.length / split.n;
  const yWidth = split.y.length / split.n;
  return {
    x: split.x.subarray(from * xWidth, to * xWidth) as DataSplit['x'],
    y: split.y.subarray(from * yWidth, to * yWidth),
    labels: split.labels.subarray(from, to),
    n: to - from,
  };
}

function applySplitChoices(ds: LoadedDataset, cfg: DatasetConfig): LoadedDataset {
  let { train, validation, test } = ds;
  const info = [...ds.info];
  if (cfg.validation !== 'test') {
    // Keras validation_split: the last fraction of the training set, before any shuffling;
    // Keras keeps int(n * (1 - split)) for training (8982 -> 8083 train / 899 validation).
    const nVal = train.n - Math.floor(train.n * (1 - cfg.validation.holdout));
    if (nVal < 1 || nVal >= train.n) {
      throw new UserError(`dataset.validation.holdout ${cfg.validation.holdout} leaves no validation or no training samples`);
    }
    test = ds.validation;
    validation = sliceSplit(train, train.n - nVal, train.n);
    train = sliceSplit(train, 0, train.n - nVal);
    info.push(`Train on ${train.n} samples, validate on ${validation.n} held-out samples`);
  }
  if (cfg.limit !== undefined && cfg.limit < train.n) {
    train = takeFirst(train, cfg.limit);
    info.push(`--limit: using the first ${train.n} training samples`);
  }
  return { ...ds, train, validation, test, info };
}
