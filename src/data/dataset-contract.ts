/**
 * What a dataset module implements and is given. Each built-in dataset imports only this file
 * (never the registry), and the registry imports the datasets: the dependency runs one way.
 */
import type { z } from 'zod';
import type { LoadedDataset } from '../spec';
import type { DatasetSources } from './locate';

/** Where validation metrics come from: the dataset's test split, or the last part of train. */
export type ValidationSource = 'test' | { holdout: number };

/** What every loader is given besides its own options. */
export interface LoadRequest {
  /** An explicit file or folder (config `path`): it must hold the dataset. */
  path?: string;
  /** A folder of datasets (`--data-dir`), searched first, like $IS_BENCH_DATA. */
  dataDir?: string;
  /** Where parsed datasets are cached; default $IS_BENCH_CACHE, else datasets/.cache. */
  cacheDir?: string;
  /** Download from the official URL when no copy is found; default yes unless $IS_BENCH_OFFLINE is set. */
  download?: boolean;
  seed: number;
  log: (line: string) => void;
  /**
   * At most this many training samples are used (--limit, validation on the test split): a
   * loader may read only the first that many rows instead of the whole file.
   */
  trainRows?: number;
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
