import * as fs from 'fs';
import { Parser, type ReadEntry } from 'tar';
import { UserError } from '../errors';
import { checkDataSize, limitText, maxDataBytes } from './data-limit';
import { formatBytes } from './download';
import { decompressedChunks } from './inflate-stream';

export interface TarReadOptions {
  /** The cap on the inflated archive and on any one member; default maxDataBytes(). */
  maxBytes?: number;
}

const TOO_BIG_FIX = 'check that it is the published archive';

/**
 * Streams a tar archive (plain or gzip; other compressions the `tar` package detects) once,
 * handing every regular file whose path `want` accepts to `onFile` as one Buffer. Memory stays
 * bounded by the largest wanted member, not by the archive; the inflated bytes and every member
 * size its header promises are counted against the cap, and inflating stops at the first byte
 * past it, or at the end-of-archive marker. Damaged archives become a UserError naming the file.
 */
export async function readTarEntries(
  file: string,
  want: (entryPath: string) => boolean,
  onFile: (entryPath: string, data: Buffer) => void,
  options: TarReadOptions = {},
): Promise<void> {
  if (!fs.existsSync(file)) throw new UserError(`${file}: archive not found`);
  const max = options.maxBytes ?? maxDataBytes();
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e instanceof UserError ? e : new UserError(`${file}: damaged or truncated archive (${describe(e)})`);
  };
  let promised = 0;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      const size = entry.size ?? 0;
      promised += size;
      const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
      const wanted = isFile && want(entry.path);
      try {
        if (wanted) checkDataSize(`${file} (${entry.path})`, size, 'its tar header promises', TOO_BIG_FIX, max);
        if (promised > max) throw new UserError(`${file}: its members' headers promise more than ${limitText(max)} (at ${entry.path}); ${TOO_BIG_FIX}`);
      } catch (e) {
        fail(e);
      }
      if (!wanted || failure !== undefined) {
        entry.resume();
        return;
      }
      const chunks: Buffer[] = [];
      entry.on('data', (chunk: Buffer) => chunks.push(chunk));
      entry.on('end', () => {
        if (failure !== undefined) return;
        try {
          onFile(entry.path, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        } catch (e) {
          fail(e);
        }
      });
    },
  });
  // past the end-of-archive marker the parser only buffers what it is given: stop inflating there
  let sawEnd = false;
  parser.on('eof', () => (sawEnd = true));
  parser.on('error', fail);
  parser.on('warn', (_code: string, message: string) => fail(new Error(message)));
  // strict parsing may end in an error instead of 'end'
  const ended = new Promise<void>((resolve) => {
    parser.on('end', () => resolve());
    parser.on('error', () => resolve());
  });
  let inflated = 0;
  try {
    for await (const chunk of decompressedChunks(file, 'archive', 'damaged or truncated archive')) {
      inflated += chunk.length;
      if (inflated > max) {
        fail(new UserError(`${file}: inflates to more than ${limitText(max)} (stopped at ${formatBytes(inflated)}); ${TOO_BIG_FIX}`));
      }
      if (failure !== undefined || sawEnd) break;
      if (!parser.write(chunk) && !sawEnd) await new Promise<void>((resolve) => parser.once('drain', () => resolve()));
    }
  } catch (e) {
    fail(e);
  }
  if (failure === undefined) {
    parser.end();
    await ended;
  }
  if (failure !== undefined) throw failure;
}

function describe(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code && !e.message.includes(String((e as NodeJS.ErrnoException).code))
    ? `${(e as NodeJS.ErrnoException).code}: ${e.message}`
    : e.message;
  return String(e);
}

/** The last path component of a tar member ("a/b/c.txt" -> "c.txt"). */
export function baseName(entryPath: string): string {
  const i = entryPath.lastIndexOf('/');
  return i < 0 ? entryPath : entryPath.slice(i + 1);
}
