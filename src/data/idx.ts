import * as fs from 'fs';
import * as zlib from 'zlib';
import { UserError } from '../errors';

/** An IDX array (the MNIST file format): unsigned-byte data with its dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE_TYPE = 0x08;

/** Parses IDX bytes (already gunzipped); `file` names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new UserError(`${file}: not an IDX file (only ${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new UserError(`${file}: not an IDX file (bad magic number; expected 00 00 <type> <ndim>)`);
  }
  const type = bytes[2];
  const ndim = bytes[3];
  if (type !== UBYTE_TYPE) {
    throw new UserError(`${file}: IDX data type 0x${type.toString(16)} is not supported (expected 0x08, unsigned byte)`);
  }
  if (ndim < 1 || ndim > 4) throw new UserError(`${file}: IDX header says ${ndim} dimensions (expected 1 to 4)`);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) throw new UserError(`${file}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) {
    throw new UserError(`${file}: truncated IDX file: header promises ${expected} bytes of data (${dims.join('x')}), file holds ${actual}`);
  }
  if (actual > expected) {
    throw new UserError(`${file}: IDX file has ${actual - expected} bytes more than its header (${dims.join('x')}) says`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Reads an IDX file, plain or gzipped (detected by content, not by name). */
export function readIdxFile(file: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`${file}: cannot read IDX file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes);
    } catch (e) {
      throw new UserError(`${file}: corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return parseIdx(bytes, file);
}
