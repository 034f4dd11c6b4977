/**
 * Paths derived from a run folder's own files (arm names, checkpoint names, seed folders) are
 * untrusted: a folder copied from another machine may name `../../x`, an absolute path, or hold a
 * symlink to a file elsewhere. Every such path goes through `pathInside`, which refuses anything
 * that would leave the folder, and every such file is read through `readCapped`, which refuses
 * one larger than it can be before allocating for it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { printable, UserError } from '../errors';

/** One file or folder name: no separators, not `.` or `..`, no NUL. */
export function isPlainName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** A name as an error message can show it: quoted, control bytes escaped, long ones cut. */
export function shownName(name: string, max = 60): string {
  return `"${printable(name, max)}"`;
}

function realpathOrUndefined(p: string): string | undefined {
  try {
    return fs.realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * `dir/segments...`, checked to stay inside `dir`: each segment a plain name (so no `..` and no
 * absolute path), no symbolic link on the way (a link inside the folder could point anywhere),
 * and, for what exists, a real path inside the folder's real path. `what` says in the error where
 * the name came from ("summary.json arm name").
 */
export function pathInside(dir: string, segments: readonly string[], what: string): string {
  if (typeof dir !== 'string' || segments.some((s) => typeof s !== 'string')) throw new UserError(`${String(dir)}: ${what} is not a file name`);
  for (const s of segments) {
    if (!isPlainName(s)) {
      throw new UserError(`${dir}: ${what} ${shownName(s)} is not a plain file name; a run folder may only name files inside itself`);
    }
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
  const root = realpathOrUndefined(dir);
  const real = realpathOrUndefined(at);
  if (root !== undefined && real !== undefined && real !== root && !real.startsWith(root + path.sep)) {
    throw new UserError(`${at}: resolves to ${real}, outside the run folder ${dir}; is-bench reads and writes only the folder's own files`);
  }
  return at;
}

/** Whether something is at `p`, without following a symlink there (to look is not to read what it points at). */
export function entryExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads a file of a run folder, refusing one that is not a regular file (a FIFO or device would
 * block or never end) or that is larger than `maxBytes`, before reading it.
 */
export function readCapped(file: string, maxBytes: number): Buffer {
  const stat = fs.statSync(file);
  if (!stat.isFile()) throw new UserError(`${file}: not a regular file; not a file is-bench wrote`);
  if (stat.size > maxBytes) throw new UserError(`${file}: ${stat.size} bytes, more than the ${maxBytes} such a file can hold; not a file is-bench wrote`);
  const fd = fs.openSync(file, 'r');
  try {
    // read at most maxBytes + 1 even if the file grew since the stat, so the cap holds
    const buf = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = fs.readSync(fd, buf, n, buf.length - n, n);
    if (n > maxBytes) throw new UserError(`${file}: more than the ${maxBytes} bytes such a file can hold; not a file is-bench wrote`);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}
