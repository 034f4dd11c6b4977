import * as fs from 'fs';
import * as path from 'path';

let tempCounter = 0;

/**
 * Writes a file atomically: a temp file beside it, then rename, so a reader (or a run
 * killed mid-write) sees the old content or the new, never half of it.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${tempCounter++}.tmp`);
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Temp files writeFileAtomic may leave if the process dies between write and rename. */
export function isTempFile(name: string): boolean {
  return /^\..*\.\d+\.\d+\.tmp$/.test(name);
}
