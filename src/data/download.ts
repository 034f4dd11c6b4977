import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { SingleBar } from 'cli-progress';
import { UserError } from '../errors';

/** One file of a published dataset: where it lives and what its bytes must hash to. */
export interface PublishedFile {
  url: string;
  /** File name to store it under. */
  name: string;
  sha256: string;
  /** Size in bytes, for the progress bar and messages. */
  bytes: number;
}

export interface DownloadOptions {
  log: (line: string) => void;
  /** Redraw a progress bar on stderr; default: only when stderr is a terminal. */
  progressBar?: boolean;
  /** Abort when no byte arrives for this long (ms); default 60 s. */
  idleTimeoutMs?: number;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/**
 * Downloads `url` to `dest`, checking its sha256 on the way. The bytes go to `dest.part` and
 * are renamed to `dest` only once the checksum matches, so an interrupted or wrong download
 * never looks like a copy of the dataset.
 */
export async function downloadFile(url: string, dest: string, expectedSha256: string, opts: DownloadOptions): Promise<void> {
  const part = `${dest}.part`;
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fd = fs.openSync(part, 'w');
  } catch (e) {
    throw new UserError(`cannot write ${part} for the download of ${url} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  const controller = new AbortController();
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let idleTimer = setTimeout(() => controller.abort(), idleMs);
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller.abort(), idleMs);
  };
  let bar: SingleBar | undefined;
  // the write stream closes the descriptor once it exists; until then it is ours to close
  let fdOwned = true;
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (e) {
      throw new UserError(`download of ${url} failed: ${networkReason(e)}`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new UserError(`download of ${url} failed: HTTP ${response.status} ${response.statusText}`);
    }
    const total = Number(response.headers.get('content-length') ?? 0);
    opts.log(`Downloading ${url}${total ? ` (${formatBytes(total)})` : ''}`);
    if (opts.progressBar ?? Boolean(process.stderr.isTTY)) {
      bar = new SingleBar({
        format: `${path.basename(dest)} [{bar}] {percentage}% | {value_mb}/{total_mb} MB | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: null,
      });
      bar.start(total || 1, 0, { value_mb: '0.0', total_mb: (total / 1e6).toFixed(1) });
    }
    const hash = crypto.createHash('sha256');
    const out = fs.createWriteStream(part, { fd });
    fdOwned = false;
    let writeError: Error | undefined;
    out.on('error', (e) => (writeError = e));
    let received = 0;
    try {
      for await (const chunk of Readable.fromWeb(response.body as import('stream/web').ReadableStream<Uint8Array>)) {
        touch();
        const buf = chunk as Buffer;
        hash.update(buf);
        received += buf.length;
        if (writeError) throw writeError;
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        bar?.update(Math.min(received, total || received), { value_mb: (received / 1e6).toFixed(1) });
      }
    } catch (e) {
      if (e === writeError) throw new UserError(`cannot write ${part} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      throw new UserError(`download of ${url} failed after ${formatBytes(received)}: ${networkReason(e)}`);
    } finally {
      await new Promise<void>((resolve) => (out.closed ? resolve() : out.end(() => resolve())));
    }
    if (total && received !== total) {
      throw new UserError(`download of ${url} stopped early: got ${received} of ${total} bytes`);
    }
    const actual = hash.digest('hex');
    if (actual !== expectedSha256) {
      throw new UserError(
        `download of ${url} does not match the published checksum: sha256 ${actual}, expected ${expectedSha256}. ` +
          'The file was not kept; try again, or fetch it by hand and check it.',
      );
    }
    fs.renameSync(part, dest);
  } finally {
    if (fdOwned) fs.closeSync(fd);
    clearTimeout(idleTimer);
    bar?.stop();
    fs.rmSync(part, { force: true });
  }
}

function networkReason(e: unknown): string {
  // fetch rejects with a DOMException (not always an Error instance) when the idle timer aborts
  if ((e as { name?: string } | undefined)?.name === 'AbortError') return 'no data received for too long (timed out)';
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: host not found (no internet connection?)`;
  if (code) return `${code}${cause?.message ? `: ${cause.message}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/** One file to fetch into a folder: where from, its name there, its published checksum. */
export interface FolderDownload {
  url: string;
  name: string;
  sha256: string;
}

const STAGING_MARK = '.download-';

/** The hidden sibling a folder's downloads are staged in: datasets/.mnist.download-<pid>. */
function stagingDir(dir: string, pid: number): string {
  return path.join(path.dirname(dir), `.${path.basename(dir)}${STAGING_MARK}${pid}`);
}

/** Removes staging folders left by downloads whose process is gone (killed, or the machine stopped). */
function removeStaleStaging(dir: string): void {
  const parent = path.dirname(dir);
  const prefix = `.${path.basename(dir)}${STAGING_MARK}`;
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length));
    if (!Number.isSafeInteger(pid) || pid === process.pid || processAlive(pid)) continue;
    fs.rmSync(path.join(parent, n), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Downloads files into `dir` all or nothing: each goes to a hidden sibling folder first, and
 * only once every one is verified are they moved into `dir` (created then). A failed or
 * interrupted download leaves `dir` as it was, never created empty or holding part of a dataset.
 */
export async function downloadInto(dir: string, files: FolderDownload[], opts: DownloadOptions): Promise<string[]> {
  removeStaleStaging(dir);
  const staging = stagingDir(dir, process.pid);
  try {
    for (const f of files) await downloadFile(f.url, path.join(staging, f.name), f.sha256, opts);
    try {
      fs.mkdirSync(dir, { recursive: true });
      for (const f of files) fs.renameSync(path.join(staging, f.name), path.join(dir, f.name));
    } catch (e) {
      throw new UserError(`cannot move the downloaded files into ${dir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    }
    return files.map((f) => path.join(dir, f.name));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
