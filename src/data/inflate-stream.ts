import * as fs from 'fs';
import { pipeline, type Readable } from 'stream';
import * as zlib from 'zlib';
import { UserError } from '../errors';

/** Whether a file starts with the gzip magic bytes (so compression is told by content, not by name). */
export function isGzipFile(file: string, kind = 'file'): boolean {
  const head = Buffer.alloc(2);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (e) {
    throw new UserError(`${file}: cannot read ${kind} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * A file's bytes, gunzipped when it is gzip, as a stream read chunk by chunk: a reader that
 * stops iterating (break) stops the inflating too, so what it never asks for is never inflated.
 * Read errors and damaged gzip data surface as UserErrors naming the file and what it is
 * (`kind`: "IDX file", "archive"); `damaged` words a damaged stream.
 */
export async function* decompressedChunks(file: string, kind = 'file', damaged = 'corrupt or truncated gzip data'): AsyncGenerator<Buffer> {
  const gzip = isGzipFile(file, kind);
  const input = fs.createReadStream(file);
  let stream: Readable = input;
  if (gzip) {
    const gunzip = zlib.createGunzip();
    // pipeline forwards a read error to gunzip and destroys both when the reader stops early
    pipeline(input, gunzip, () => {});
    stream = gunzip;
  }
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith('Z_') || err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new UserError(`${file}: ${damaged} (${err.message})`);
    }
    throw new UserError(`${file}: cannot read ${kind} (${err.code ?? err.message})`);
  } finally {
    stream.destroy();
    input.destroy();
  }
}
