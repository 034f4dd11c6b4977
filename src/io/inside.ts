/**
 * Paths derived from a run folder's own files (arm names, checkpoint names) are untrusted: a
 * folder copied from another machine may name `../../x` or hold a symlink to a file elsewhere.
 * Every such path goes through `pathInside`, which refuses anything that would leave the folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';

/** One file or folder name: no separators, not `.` or `..`, no NUL. */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/**
 * `dir/segments...`, checked to stay inside `dir`: each segment a plain name, and no symbolic
 * link on the way (a link inside the folder could point anywhere). `what` says in the error where
 * the name came from ("summary.json arm name").
 */
export function pathInside(dir: string, segments: readonly string[], what: string): string {
  for (const s of segments) {
    if (!isPlainName(s)) throw new UserError(`${dir}: ${what} ${JSON.stringify(s)} is not a plain file name; a run folder may only name files inside itself`);
  }
  let at = dir;
  for (const s of segments) {
    at = path.join(at, s);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.lstatSync(at);
    } catch {
      stat = undefined; // not there (yet): nothing to follow
    }
    if (stat?.isSymbolicLink()) throw new UserError(`${at}: a symbolic link inside a run folder; is-bench reads and writes only the folder's own files`);
  }
  return at;
}

/** Reads a file of a run folder, refusing one larger than `maxBytes` before reading it. */
export function readCapped(file: string, maxBytes: number): Buffer {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new UserError(`${file}: ${size} bytes, more than the ${maxBytes} such a file can hold; not a file is-bench wrote`);
  return fs.readFileSync(file);
}
