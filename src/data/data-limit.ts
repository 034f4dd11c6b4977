/**
 * The one memory cap of the data layer: the most bytes is-bench inflates from one compressed
 * file, or materialises as one array, before training. A header that promises more (an IDX or
 * .npy shape, a tar or zip member size) is refused before anything is allocated, and a stream
 * that inflates past what its header promised is stopped as soon as it does.
 */
import { UserError } from '../errors';
import { formatBytes } from './download';

export const MAX_DATA_BYTES_ENV = 'IS_BENCH_MAX_DATA_BYTES';
/** Far above any published dataset is-bench reads (aclImdb's tar, the largest, inflates to about 0.5 GB). */
export const DEFAULT_MAX_DATA_BYTES = 2e9;

/** The cap in bytes: $IS_BENCH_MAX_DATA_BYTES, else 2 GB. */
export function maxDataBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[MAX_DATA_BYTES_ENV];
  if (text === undefined || text.trim() === '') return DEFAULT_MAX_DATA_BYTES;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new UserError(`${MAX_DATA_BYTES_ENV}=${text} is not a positive whole number of bytes (default ${DEFAULT_MAX_DATA_BYTES})`);
  }
  return n;
}

/** "the 2.0 GB limit (2000000000 bytes, $IS_BENCH_MAX_DATA_BYTES)", for every message about the cap. */
export function limitText(max: number): string {
  return `the ${formatBytes(max)} limit (${max} bytes; set ${MAX_DATA_BYTES_ENV} to change it)`;
}

/**
 * Refuses `bytes` over the cap: `where` names the file (and member), `what` says what the bytes
 * are ("header promises 3000000x28x28 images"), `fix` what to do instead.
 */
export function checkDataSize(where: string, bytes: number, what: string, fix: string, max = maxDataBytes()): void {
  if (bytes > max) throw new UserError(`${where}: ${what}: ${formatBytes(bytes)} (${bytes} bytes), more than ${limitText(max)}; ${fix}`);
}
