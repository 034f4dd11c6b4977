/** Loading the user's own files in tests: a private cache folder per test file, no log noise. */
import * as path from 'path';
import type { ValidationSource } from '../../src/data/dataset-contract';
import type { FileFormat } from '../../src/data/files/options';
import { loadDataset } from '../../src/data/registry';
import type { LoadedDataset } from '../../src/spec';
import { tempDir } from './data-fixtures';

export const cacheDir = tempDir('isb-file-cache-');

export interface LoadOptions {
  validation?: ValidationSource;
  limit?: number;
  log?: string[];
  cache?: string;
}

export function loadFiles(format: FileFormat, options: Record<string, unknown>, o: LoadOptions = {}): Promise<LoadedDataset> {
  return loadDataset(
    { name: 'mine', format, validation: o.validation ?? 'test', ...(o.limit ? { limit: o.limit } : {}), options },
    { seed: 0, cacheDir: o.cache ?? cacheDir, log: (line) => o.log?.push(line) },
  );
}

/** The error message of a load expected to fail (fails the test when it loads). */
export async function loadError(format: FileFormat, options: Record<string, unknown>, o: LoadOptions = {}): Promise<string> {
  try {
    await loadFiles(format, options, o);
  } catch (e) {
    expect((e as Error).name).toBe('UserError');
    const message = (e as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error(`expected loading ${format} ${JSON.stringify(options)} to fail`);
}

export function file(dir: string, name: string): string {
  return path.join(dir, name);
}
