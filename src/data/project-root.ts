import * as fs from 'fs';
import * as path from 'path';

const PACKAGE_NAME = 'is-bench';

/**
 * The folder holding is-bench's package.json: found by walking up from this module, so it is
 * the same whether the code runs from src/ (ts-jest, ts-node) or from dist/ (the built CLI).
 * Falls back to the working directory when the module was copied somewhere without it.
 */
export function projectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // an unreadable package.json further down is not ours; keep walking up
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
