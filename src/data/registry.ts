import { UserError } from '../errors';
import type { LoadedDataset } from '../spec';
import { cifar10Dataset } from './cifar10';
import type { DatasetDefinition, LoadRequest, ValidationSource } from './dataset-contract';
import { fashionMnistDataset } from './fashion-mnist';
import { imdbDataset } from './imdb';
import { mnistDataset } from './mnist';
import { reutersDataset } from './reuters';
import { sliceSplit, takeFirst } from './split';
import { syntheticDataset } from './synthetic';

export type { DatasetDefinition, ExpectedSizes, LoadRequest, ValidationSource } from './dataset-contract';

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
