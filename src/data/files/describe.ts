/** A file-based source as a row of `is-bench datasets`: where its files are, and what loading them gives. */
import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../../errors';
import type { DatasetStatus, DescribeRequest } from '../dataset-status';
import { loadFileDataset, parseFileSource, sourcePaths, type FileDatasetConfig } from './load';

function bytesOf(p: string): number {
  const s = fs.statSync(p);
  if (s.isFile()) return s.size;
  return fs.readdirSync(p).reduce((total, e) => total + bytesOf(path.join(p, e)), 0);
}

export async function describeFileDataset(dataset: FileDatasetConfig & { name: string }, request: DescribeRequest): Promise<DatasetStatus> {
  const status: DatasetStatus = {
    name: dataset.name,
    description: `your ${dataset.format} files`,
    found: false,
    form: dataset.format,
    train: 0,
    test: 0,
    inputShape: [],
    numClasses: 0,
    counts: 'loaded',
    looked: [],
  };
  try {
    const src = parseFileSource({ ...dataset.options, format: dataset.format }, dataset.validation);
    const paths = sourcePaths(src);
    const all = [...paths.train, ...paths.test];
    status.where = all.join(', ');
    const missing = all.filter((p) => !fs.existsSync(p));
    if (missing.length) return { ...status, error: `${missing.join(', ')}: no such file or folder` };
    status.found = true;
    status.sizeOnDisk = all.reduce((t, p) => t + bytesOf(p), 0);
    const ds = await loadFileDataset(dataset, { seed: 0, log: request.log ?? (() => undefined), cacheDir: request.cacheDir });
    return {
      ...status,
      train: ds.train.n,
      test: ds.validation.n,
      inputShape: ds.inputShape,
      numClasses: ds.numClasses,
      notes: ds.info,
    };
  } catch (e) {
    if (!isUserError(e)) throw e;
    return { ...status, error: e.message };
  }
}
