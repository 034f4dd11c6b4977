import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { downloadInto, formatBytes, type PublishedFile } from './download';
import { sha256File } from './fingerprint';
import { defaultLookupContext, downloadDir, downloadsAllowed, locateCopy, mirrored, type LookupContext } from './locate';
import { getDataset } from './registry';

export interface FetchOptions {
  log: (line: string) => void;
  /** Download again even when a verified copy is already in datasets/<name>/. */
  force?: boolean;
  /** Fetch the published file names from this base URL instead (a mirror); default $IS_BENCH_MIRROR. */
  baseUrl?: string;
  /** Redraw a progress bar; default only when stderr is a terminal. */
  progressBar?: boolean;
  /** For tests: the machine the lookup reads (project root, env, home). */
  context?: LookupContext;
}

export interface FetchResult {
  name: string;
  dir: string;
  files: { path: string; downloaded: boolean; bytes: number }[];
}

/**
 * `is-bench datasets fetch <name>`: downloads the dataset's published files into
 * datasets/<name>/ of the project, each checked against its published sha256. Files already
 * there with the right checksum are kept. The rest is downloaded all or nothing (see
 * downloadInto); with $IS_BENCH_OFFLINE set nothing is downloaded: a UserError says where to put
 * the files instead.
 */
export async function fetchDataset(name: string, opts: FetchOptions): Promise<FetchResult> {
  const def = getDataset(name);
  const sources = def.sources;
  if (!sources?.download) throw new UserError(`dataset ${name} is not downloaded: ${def.description}`);
  const ctx = opts.context ?? defaultLookupContext();
  const dir = downloadDir(name, ctx);
  const existing = locateCopy(name, sources, {}, ctx).found;
  const baseUrl = opts.baseUrl ?? ctx.env.IS_BENCH_MIRROR;
  const present: string[] = [];
  const missing: PublishedFile[] = [];
  for (const f of sources.download.files) {
    const dest = path.join(dir, f.name);
    if (!opts.force && fs.existsSync(dest) && (await sha256File(dest)) === f.sha256) present.push(dest);
    else missing.push(f);
  }
  if (missing.length > 0 && !downloadsAllowed(undefined, ctx.env)) {
    throw new UserError(
      `IS_BENCH_OFFLINE is set, so \`is-bench datasets fetch ${name}\` downloads nothing: put ${missing.map((f) => f.name).join(', ')} ` +
        `(from ${missing.map((f) => f.url).join(', ')}) into ${dir} by hand, or unset IS_BENCH_OFFLINE`,
    );
  }
  if (existing && existing.place !== 'project') opts.log(`note: ${name} is already available (${existing.placeLabel}: ${existing.path}); fetching into ${dir} anyway`);
  for (const dest of present) opts.log(`${dest}: already present, checksum verified`);
  const downloads = missing.map((f) => ({ ...f, url: mirrored(f.url, baseUrl) }));
  const fetched = await downloadInto(dir, downloads, { log: opts.log, progressBar: opts.progressBar });
  const files: FetchResult['files'] = [];
  for (const f of sources.download.files) {
    const dest = path.join(dir, f.name);
    const downloaded = fetched.includes(dest);
    const bytes = fs.statSync(dest).size;
    if (downloaded) opts.log(`${dest}: ${formatBytes(bytes)}, sha256 verified`);
    files.push({ path: dest, downloaded, bytes });
  }
  return { name, dir, files };
}
