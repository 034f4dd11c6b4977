import * as fs from 'fs';
import { UserError } from '../../errors';

/** `p` must be an existing file; `what` says which key named it ("dataset.train"). */
export function requireFile(p: string, what: string): void {
  const stat = statOrFail(p, what);
  if (!stat.isFile()) throw new UserError(`${p}: ${what} must be a file, and this is a folder`);
}

/** `p` must be an existing folder. */
export function requireDir(p: string, what: string): void {
  const stat = statOrFail(p, what);
  if (!stat.isDirectory()) throw new UserError(`${p}: ${what} must be a folder, and this is a file`);
}

function statOrFail(p: string, what: string): fs.Stats {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UserError(`${p}: no such file or folder (${what}; relative paths are resolved against the config file's folder)`);
    throw new UserError(`${p}: cannot read ${what} (${code ?? String(e)})`);
  }
}
