import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';

let tempCounter = 0;

/** Why a write failed, for errors the user's machine causes (full disk, permissions, paths): reason and fix. */
const WRITE_FAILURES: Record<string, [string, string]> = {
  ENOSPC: ['no space left on the device', 'free some space'],
  EDQUOT: ['disk quota exceeded', 'free some space'],
  EACCES: ['permission denied', 'choose a folder you can write to'],
  EPERM: ['operation not permitted', 'choose a folder you can write to'],
  EROFS: ['read-only file system', 'choose a folder you can write to'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'check the path'],
  EEXIST: ['a file is in the way of a folder', 'check the path'],
  EISDIR: ['a folder is in the way of a file', 'check the path'],
  ENOENT: ['the folder does not exist (was it removed?)', 'check the path'],
  ENAMETOOLONG: ['the path is too long', 'choose a shorter path'],
  EMFILE: ['too many open files', 'close other programs or raise the limit (ulimit -n)'],
  ENFILE: ['too many open files', 'close other programs or raise the limit'],
  EIO: ['input/output error on the device', 'check the disk'],
};

/** "no space left on the device (ENOSPC)", or undefined for an error that is not the machine's. */
export function writeFailureReason(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? WRITE_FAILURES[code] : undefined;
  return known ? `${known[0]} (${code})` : undefined;
}

/** "no space left on the device (ENOSPC); free some space", or undefined for an error that is not the machine's. */
export function describeWriteFailure(e: unknown): string | undefined {
  const reason = writeFailureReason(e);
  return reason ? `${reason}; ${WRITE_FAILURES[(e as NodeJS.ErrnoException).code!][1]}` : undefined;
}

/**
 * Creates a folder and its missing parents, one mkdir at a time. Not fs.mkdirSync's recursive
 * mode: on Node 20 it loops forever under /proc (`--out /proc/x` hung the run) and reports
 * ENOENT instead of ENOSPC on a full disk (nodejs/node#42808).
 */
export function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); ) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const folder of missing) {
    try {
      fs.mkdirSync(folder);
    } catch (e) {
      // made meanwhile by another run; or a dangling symlink, which the next mkdir reports
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Opens a new temp file beside `file`: exclusively, so a file or symlink already at the name (a crafted run folder) is never followed or truncated. */
function openTemp(file: string): { tmp: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tempCounter++}.tmp`);
    try {
      return { tmp, fd: fs.openSync(tmp, 'wx') };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 1000) throw e;
    }
  }
}

/**
 * Writes a file atomically: a temp file beside it, then rename, so a reader (or a process
 * killed mid-write) sees the old content or the new, never half of it. `write` fills the open
 * temp file (for content too large to hold in one buffer). A full disk, missing permission or
 * read-only file system is a UserError naming the file.
 */
export function writeFileAtomicWith(file: string, write: (fd: number) => void): void {
  let tmp = '';
  let fd: number | undefined;
  let opened = false;
  try {
    ({ tmp, fd } = openTemp(file));
    opened = true;
    write(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      if (fd !== undefined) fs.closeSync(fd);
      // what is at the temp name is ours only if we opened it
      if (opened) fs.rmSync(tmp, { force: true });
    } catch {
      // the folder itself may be gone or unreadable; the write error below says why
    }
    const why = describeWriteFailure(e);
    if (why) throw new UserError(`${file}: cannot write: ${why}`);
    throw e;
  }
}

/** `writeFileAtomicWith` for content in memory. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  writeFileAtomicWith(file, (fd) => fs.writeFileSync(fd, content));
}

/** Temp files writeFileAtomic may leave if the process dies between write and rename. */
export function isTempFile(name: string): boolean {
  return /^\..*\.\d+\.\d+\.tmp$/.test(name);
}
