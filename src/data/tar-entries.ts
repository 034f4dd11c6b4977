import * as fs from 'fs';
import { Parser, type ReadEntry } from 'tar';
import { UserError } from '../errors';

/**
 * Streams a tar archive (plain, gzip or other compression the `tar` package detects) once,
 * handing every regular file whose path `want` accepts to `onFile` as one Buffer. Memory stays
 * bounded by the largest wanted member, not by the archive.
 * Damaged archives become a UserError naming the file.
 */
export async function readTarEntries(
  file: string,
  want: (entryPath: string) => boolean,
  onFile: (entryPath: string, data: Buffer) => void,
): Promise<void> {
  if (!fs.existsSync(file)) throw new UserError(`${file}: archive not found`);
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      input.destroy();
      reject(e instanceof UserError ? e : new UserError(`${file}: damaged or truncated archive (${describe(e)})`));
    };
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          entry.resume();
          return;
        }
        if (!want(entry.path)) {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => {
          if (failed) return;
          try {
            onFile(entry.path, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
          } catch (e) {
            fail(e);
          }
        });
      },
    });
    parser.on('error', fail);
    parser.on('warn', (_code: string, message: string) => fail(new Error(message)));
    parser.on('end', () => {
      if (!failed) resolve();
    });
    const input = fs.createReadStream(file);
    input.on('error', (e) => fail(new UserError(`${file}: cannot read archive (${describe(e)})`)));
    input.pipe(parser);
  });
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
