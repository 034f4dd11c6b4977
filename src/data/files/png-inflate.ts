/**
 * The cap pngjs leaves out: it inflates a non-interlaced PNG into a buffer of the size its header
 * promises, but an interlaced one without any limit, so a few kB of image data could inflate to
 * gigabytes. This inflates such data once with the promised size as the limit, first.
 */
import * as zlib from 'zlib';
import { UserError } from '../../errors';

/** Samples per pixel of each PNG colour type (grey, RGB, palette, grey + alpha, RGBA). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's seven passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Bytes of an interlaced image's filtered scanlines: every pass's rows, each with its filter byte. */
export function interlacedPngBytes(width: number, height: number, bitDepth: number, colorType: number): number {
  const bits = (SAMPLES[colorType] ?? 4) * bitDepth;
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (w > 0 && h > 0) total += h * (Math.ceil((w * bits) / 8) + 1);
  }
  return total;
}

/** The concatenated IDAT chunks of a PNG (its compressed image data). */
function imageData(bytes: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, Math.min(at + 8 + length, bytes.length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

/** Refuses an interlaced PNG whose image data inflates past what its IHDR promises; other damage is left to the decoder. */
export function checkInterlacedPng(bytes: Buffer, file: string): void {
  if (bytes.length < 29 || bytes[28] !== 1) return;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const promised = interlacedPngBytes(width, height, bytes[24], bytes[25]);
  try {
    zlib.inflateSync(imageData(bytes), { maxOutputLength: Math.max(1, promised) });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return;
    throw new UserError(
      `${file}: its interlaced image data inflates to more than the ${promised} bytes its ${width}x${height} header promises (a damaged or hostile PNG); re-save it, or remove it from the folder`,
    );
  }
}
