import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { downloadFile, formatBytes } from './download';
import { sha256File } from './fingerprint';
import { defaultLookupContext, downloadDir, locateCopy, type LookupContext } from './locate';
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
 * there with the right checksum are kept. Offline, it fails with a UserError naming the URL.
 */
export async function fetchDataset(name: string, opts: FetchOptions): Promise<FetchResult> {
  const def = getDataset(name);
  const sources = def.sources;
  if (!sources?.download) throw new UserError(`dataset ${name} is not downloaded: ${def.description}`);
  const ctx = opts.context ?? defaultLookupContext();
  const dir = downloadDir(name, ctx);
  const existing = locateCopy(name, sources, {}, ctx).found;
  if (existing && existing.place !== 'project') opts.log(`note: ${name} is already available (${existing.placeLabel}: ${existing.path}); fetching into ${dir} anyway`);
  const baseUrl = opts.baseUrl ?? ctx.env.IS_BENCH_MIRROR;
  const files: FetchResult['files'] = [];
  for (const f of sources.download.files) {
    const dest = path.join(dir, f.name);
    if (!opts.force && fs.existsSync(dest) && (await sha256File(dest)) === f.sha256) {
      opts.log(`${dest}: already present, checksum verified`);
      files.push({ path: dest, downloaded: false, bytes: fs.statSync(dest).size });
      continue;
    }
    const url = baseUrl ? `${baseUrl.replace(/\/$/, '')}/${path.basename(new URL(f.url).pathname)}` : f.url;
    await downloadFile(url, dest, f.sha256, { log: opts.log, progressBar: opts.progressBar });
    const bytes = fs.statSync(dest).size;
    opts.log(`${dest}: ${formatBytes(bytes)}, sha256 verified`);
    files.push({ path: dest, downloaded: true, bytes });
  }
  return { name, dir, files };
}
