import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** sha256 of a file's bytes, streamed (a 28 MB archive hashes in well under a second). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve());
  });
  return hash.digest('hex');
}

/**
 * What identifies a copy of a dataset for the parsed cache: the content hash of a single file,
 * or, for an unpacked folder (tens of thousands of small files), a hash of every file's
 * relative path, size and modification time, so an edited file still invalidates the cache.
 */
export async function sourceFingerprint(source: string): Promise<string> {
  const stat = fs.statSync(source);
  if (stat.isFile()) return `sha256:${await sha256File(source)}`;
  const hash = crypto.createHash('sha256');
  const walk = (dir: string, rel: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const relPath = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(full, relPath);
      else if (e.isFile()) {
        const s = fs.statSync(full);
        hash.update(`${relPath}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(source, '');
  return `tree:${hash.digest('hex')}`;
}
