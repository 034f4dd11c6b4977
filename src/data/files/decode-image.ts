/**
 * PNG and JPEG files to pixels, with maintained pure-JavaScript decoders (pngjs, jpeg-js): no
 * native binary to install, the same result on every platform. The format is told by the
 * file's first bytes, not its extension.
 */
import * as fs from 'fs';
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { UserError } from '../../errors';
import { checkFileSize, MAX_IMAGE_FILE_BYTES, MAX_IMAGE_PIXELS } from './limits';
import { checkInterlacedPng } from './png-inflate';

/** 8-bit RGBA pixels, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (b: Uint8Array) => b.length >= 8 && PNG_MAGIC.every((v, i) => b[i] === v);
const isJpeg = (b: Uint8Array) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** The width and height in a PNG's IHDR chunk, read before decoding so a huge image is refused first. */
function pngSize(b: Uint8Array): { width: number; height: number } | undefined {
  if (b.length < 24) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

export function decodeImage(file: string): RgbaImage {
  checkFileSize(file, MAX_IMAGE_FILE_BYTES, 'one image', 'shrink it first');
  const bytes = fs.readFileSync(file);
  const fail = (why: string): never => {
    throw new UserError(`${file}: cannot decode the image (${why}); re-save it as PNG or JPEG, or remove it from the folder`);
  };
  if (bytes.length === 0) fail('empty file');
  const tooLarge = (w: number, h: number) => {
    if (w * h > MAX_IMAGE_PIXELS) {
      throw new UserError(`${file}: a ${w}x${h} image is more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels is-bench decodes; shrink it first`);
    }
  };
  if (isPng(bytes)) {
    const size = pngSize(bytes);
    if (size) tooLarge(size.width, size.height);
    checkInterlacedPng(bytes, file);
    try {
      // 16-bit and palette images come out as 8-bit RGBA; grey is expanded to RGB
      const png = PNG.sync.read(bytes);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } catch (e) {
      return fail(`PNG: ${(e as Error).message}`);
    }
  }
  if (isJpeg(bytes)) {
    try {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        // a truncated or damaged file is an error, not a partly grey image
        tolerantDecoding: false,
        maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      });
      return { width: img.width, height: img.height, data: img.data };
    } catch (e) {
      const message = (e as Error).message;
      if (/maxResolutionInMP/.test(message)) throw new UserError(`${file}: more than the ${MAX_IMAGE_PIXELS / 1e6} megapixels is-bench decodes; shrink it first`);
      return fail(`JPEG: ${message}`);
    }
  }
  return fail('neither PNG nor JPEG by its content');
}

/** ITU-R 601 luma weights, those of tf.image.rgb_to_grayscale. */
const LUMA = [0.2989, 0.587, 0.114];

/** RGBA bytes to float pixels 0-255 with 1 (grey) or 3 (RGB) channels; alpha is dropped, as TensorFlow's decoders do. */
export function toChannels(img: RgbaImage, channels: 1 | 3): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * channels);
  const d = img.data;
  for (let p = 0; p < n; p++) {
    const r = d[p * 4];
    const g = d[p * 4 + 1];
    const b = d[p * 4 + 2];
    // grey pixels stay exact (the weights sum to 0.9999)
    if (channels === 1) out[p] = r === g && g === b ? r : LUMA[0] * r + LUMA[1] * g + LUMA[2] * b;
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return out;
}
