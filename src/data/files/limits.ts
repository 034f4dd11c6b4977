/**
 * Size caps checked before anything is allocated, so a wrong file (or a header that lies)
 * fails with a message instead of exhausting memory. Each error states the limit.
 */
import * as fs from 'fs';
import { UserError } from '../../errors';
import { checkDataSize } from '../data-limit';
import { formatBytes } from '../download';

/** csv and jsonl files: streamed, but every value ends up in memory as float32. */
export const MAX_TEXT_FILE_BYTES = 1e9;
/** What to do with a text file over the limit. */
export const TEXT_TOO_BIG = {
  csv: 'convert it to an x.npy / y.npy pair (format: npy), which is read without parsing',
  jsonl: 'use fewer lines',
} as const;
/** .npy and .npz files are read whole, and Node reads at most 2 GiB into one buffer. */
export const MAX_BINARY_FILE_BYTES = 2e9;
/** One image file. */
export const MAX_IMAGE_FILE_BYTES = 64e6;
/** Decoded pixels of one image (jpeg-js' own default cap is 100 megapixels). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** The size of a file, refusing one larger than `max` with the fix in the message. */
export function checkFileSize(file: string, max: number, kind: string, fix: string): number {
  const size = fs.statSync(file).size;
  if (size > max) {
    throw new UserError(`${file}: ${formatBytes(size)} (${size} bytes) is more than the ${formatBytes(max)} (${max} bytes) is-bench reads from ${kind}; ${fix}`);
  }
  return size;
}

/** Refuses an allocation of `values` float32 inputs beyond the data cap (data-limit.ts). */
export function checkInputSize(where: string, values: number, what: string): void {
  checkDataSize(where, values * 4, `${what} as float32`, 'use fewer samples (a smaller file, or a smaller imageSize)');
}
