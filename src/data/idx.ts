import { UserError } from '../errors';
import { checkDataSize, maxDataBytes } from './data-limit';
import { decompressedChunks } from './inflate-stream';

/** An IDX array (the MNIST file format): unsigned-byte data with its dimensions. */
export interface IdxArray {
  /** The dimensions the header promises (dims[0] is every row of the file, read or not). */
  dims: number[];
  /** The rows read: all dims[0] of them, or the first `rows` asked for. */
  data: Uint8Array;
  /** How many rows `data` holds. */
  rowsRead: number;
}

export interface IdxReadOptions {
  /** Read only the first `rows` rows (the rest is neither inflated nor checked). */
  rows?: number;
  /** Each byte read becomes a float32 in memory (pixels): four bytes each are counted against the cap. */
  asFloat32?: boolean;
  /** The cap on what is materialised; default maxDataBytes(). */
  maxBytes?: number;
}

const UBYTE_TYPE = 0x08;
/** Bytes past the header's promise that are still counted for the message before reading stops. */
const EXCESS_COUNTED = 1 << 20;

interface IdxHeader {
  dims: number[];
  headerLength: number;
}

/** The header of IDX bytes, or undefined when more bytes are needed to read it. */
function parseIdxHeader(bytes: Uint8Array, file: string, complete: boolean): IdxHeader | undefined {
  if (bytes.length < 4) {
    if (complete) throw new UserError(`${file}: not an IDX file (only ${bytes.length} bytes)`);
    return undefined;
  }
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
  if (bytes.length < headerLength) {
    if (complete) throw new UserError(`${file}: truncated IDX header`);
    return undefined;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims, headerLength };
}

function truncated(file: string, dims: number[], expected: number, actual: number): UserError {
  return new UserError(`${file}: truncated IDX file: header promises ${expected} bytes of data (${dims.join('x')}), file holds ${actual}`);
}

function tooLong(file: string, dims: number[], extra: string): UserError {
  return new UserError(`${file}: IDX file has ${extra} bytes more than its header (${dims.join('x')}) says`);
}

/** Parses IDX bytes (already gunzipped); `file` names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const { dims, headerLength } = parseIdxHeader(bytes, file, true)!;
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLength;
  if (actual < expected) throw truncated(file, dims, expected, actual);
  if (actual > expected) throw tooLong(file, dims, String(actual - expected));
  return { dims, data: bytes.subarray(headerLength), rowsRead: dims[0] };
}

/**
 * Reads an IDX file, plain or gzipped (detected by content, not by name), streaming: the header
 * is read first, what it promises is checked against the cap before anything is allocated, and
 * inflating stops once the rows asked for are in (or, for a whole file, at the first byte past
 * what the header promised).
 */
export async function readIdxFile(file: string, options: IdxReadOptions = {}): Promise<IdxArray> {
  const max = options.maxBytes ?? maxDataBytes();
  let head = Buffer.alloc(0);
  let header: IdxHeader | undefined;
  let data: Uint8Array | undefined;
  let filled = 0;
  let extra = 0;
  let wanted = 0;
  let whole = true;
  for await (const chunk of decompressedChunks(file, 'IDX file')) {
    let rest: Buffer = chunk;
    if (!header) {
      head = Buffer.concat([head, chunk]);
      header = parseIdxHeader(head, file, false);
      if (!header) continue;
      const { dims } = header;
      const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
      const rows = Math.min(options.rows ?? dims[0], dims[0]);
      whole = rows === dims[0];
      wanted = rows * rowSize;
      const per = options.asFloat32 ? 4 : 1;
      const promise = whole ? `its header promises ${dims.join('x')} values` : `the first ${rows} rows of the ${dims.join('x')} its header promises`;
      const fix = 'use --limit to read fewer rows, or check that the file is what it claims to be';
      checkDataSize(file, wanted * per, `${promise}${options.asFloat32 ? ', as float32' : ''}`, fix, max);
      data = new Uint8Array(wanted);
      rest = head.subarray(header.headerLength);
    }
    const take = Math.min(rest.length, wanted - filled);
    data!.set(rest.subarray(0, take), filled);
    filled += take;
    if (!whole && filled === wanted) break;
    extra += rest.length - take;
    // more than the header said: counted exactly for a small excess, inflating stops beyond that
    if (extra > EXCESS_COUNTED) throw tooLong(file, header.dims, `more than ${EXCESS_COUNTED}`);
  }
  if (!header) parseIdxHeader(head, file, true);
  const { dims } = header!;
  if (filled < wanted) throw truncated(file, dims, dims.reduce((a, b) => a * b, 1), filled);
  if (extra > 0) throw tooLong(file, dims, String(extra));
  const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
  return { dims, data: data!, rowsRead: rowSize === 0 ? Math.min(options.rows ?? dims[0], dims[0]) : wanted / rowSize };
}
