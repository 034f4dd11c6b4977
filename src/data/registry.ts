import { UserError } from '../errors';
import type { LoadedDataset } from '../spec';
import { cifar10Dataset } from './cifar10';
import type { DatasetDefinition, LoadRequest, ValidationSource } from './dataset-contract';
import { fashionMnistDataset } from './fashion-mnist';
import { loadFileDataset } from './files/load';
import type { FileFormat } from './files/options';
import { imdbDataset } from './imdb';
import { mnistDataset } from './mnist';
import { reutersDataset } from './reuters';
import { chooseSplits } from './split';
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
  /** Set for the user's own files: then `options` are that format's reader options. */
  format?: FileFormat;
  path?: string;
  limit?: number;
  validation: ValidationSource;
  options: Record<string, unknown>;
}

/** Loads a dataset, then applies the generic `limit` and `validation` choices. */
export async function loadDataset(cfg: DatasetConfig, request: LoadRequest): Promise<LoadedDataset> {
  if (cfg.format) return loadFileDataset({ ...cfg, format: cfg.format }, request);
  const def = getDataset(cfg.name);
  // with a holdout, validation is the end of the training set, so all of it is read
  const trainRows = cfg.limit !== undefined && cfg.validation === 'test' ? cfg.limit : undefined;
  const loaded = await def.load(parseDatasetOptions(def, cfg.options), {
    ...request,
    path: cfg.path ?? request.path,
    ...(trainRows !== undefined ? { trainRows } : {}),
  });
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
  const chosen = chooseSplits(ds.train, ds.validation, cfg, () => new Error('unreachable: a built-in dataset has a test split'));
  return { ...ds, train: chosen.train, validation: chosen.validation, test: chosen.test, info: [...ds.info, ...chosen.info] };
}
