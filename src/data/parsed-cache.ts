import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomicWith } from '../io/files';
import { projectRoot } from './project-root';

/**
 * A compact binary cache of parsed datasets: one file per (dataset, source fingerprint,
 * vectorising options), holding raw typed arrays after a JSON header. Loading is a single
 * read plus typed-array views; no parsing.
 *
 * Layout: "ISBCACHE" | u32 format version | u32 header length | header JSON (utf8) |
 * zero padding to 8 bytes | arrays, each starting on an 8-byte boundary.
 */

export type CachedArray = Int32Array | Uint16Array | Uint8Array | Float32Array;
export type CachedArrays = Record<string, CachedArray>;

const MAGIC = Buffer.from('ISBCACHE', 'latin1');
const FORMAT_VERSION = 1;

interface ArrayEntry {
  name: string;
  dtype: 'int32' | 'uint16' | 'uint8' | 'float32';
  length: number;
  offset: number;
}

interface Header {
  key: unknown;
  meta: unknown;
  arrays: ArrayEntry[];
}

/** The cache folder: an explicit one, else $IS_BENCH_CACHE, else datasets/.cache in the project. */
export function cacheDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? env.IS_BENCH_CACHE ?? path.join(projectRoot(), 'datasets', '.cache');
}

/** The cache file for a key: readable prefix plus a hash of the whole key. */
export function cacheFile(dir: string, dataset: string, key: unknown): string {
  const digest = crypto.createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 20);
  return path.join(dir, `${dataset}-${digest}.bin`);
}

function dtypeOf(a: CachedArray): ArrayEntry['dtype'] {
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint8Array) return 'uint8';
  return 'float32';
}

const align8 = (n: number) => (n + 7) & ~7;

/** Writes the cache file atomically (readers never see half a file). */
export function writeCache(file: string, key: unknown, meta: unknown, arrays: CachedArrays): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const entries: ArrayEntry[] = [];
  // offsets are relative to the start of the data section
  let offset = 0;
  for (const [name, a] of Object.entries(arrays)) {
    entries.push({ name, dtype: dtypeOf(a), length: a.length, offset });
    offset = align8(offset + a.byteLength);
  }
  const header = Buffer.from(JSON.stringify({ key, meta, arrays: entries } satisfies Header), 'utf8');
  const prefix = Buffer.alloc(16);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  const dataStart = align8(16 + header.length);
  writeFileAtomicWith(file, (fd) => {
    fs.writeSync(fd, prefix, 0, 16, 0);
    fs.writeSync(fd, header, 0, header.length, 16);
    for (const e of entries) {
      const a = arrays[e.name];
      fs.writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength), 0, a.byteLength, dataStart + e.offset);
    }
  });
}

/**
 * Reads a cache file written for exactly `key`; undefined when absent, written for another
 * key, from another format version, or damaged (a cache miss, never an error: the source is
 * parsed again and the file rewritten).
 */
export function readCache<M>(file: string, key: unknown): { meta: M; arrays: CachedArrays } | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC) || buf.readUInt32LE(8) !== FORMAT_VERSION) return undefined;
  const headerLength = buf.readUInt32LE(12);
  if (16 + headerLength > buf.length) return undefined;
  let header: Header;
  try {
    header = JSON.parse(buf.subarray(16, 16 + headerLength).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (JSON.stringify(header.key) !== JSON.stringify(key)) return undefined;
  const dataStart = align8(16 + headerLength);
  // a fresh Buffer from readFileSync of a large file owns its ArrayBuffer at offset 0, but copy if not aligned
  const base = buf.byteOffset % 8 === 0 ? buf : Buffer.from(buf);
  const arrays: CachedArrays = {};
  for (const e of header.arrays) {
    const start = base.byteOffset + dataStart + e.offset;
    const bytesPer = e.dtype === 'uint8' ? 1 : e.dtype === 'uint16' ? 2 : 4;
    if (dataStart + e.offset + e.length * bytesPer > base.length) return undefined;
    arrays[e.name] =
      e.dtype === 'int32'
        ? new Int32Array(base.buffer, start, e.length)
        : e.dtype === 'uint16'
          ? new Uint16Array(base.buffer, start, e.length)
          : e.dtype === 'uint8'
            ? new Uint8Array(base.buffer, start, e.length)
            : new Float32Array(base.buffer, start, e.length);
  }
  return { meta: header.meta as M, arrays };
}

export interface CachedBuild<M> {
  arrays: CachedArrays;
  meta: M;
  /** "parsed in 9.1 s, cached as ..." or "from cache ..." */
  note: string;
  cacheFile: string;
  fromCache: boolean;
}

/**
 * Arrays read from the cache file written for exactly `key`, or built (the slow parse) and
 * cached for next time. `accept` rejects a hit whose arrays are not what the caller expects
 * (then it is rebuilt). A cache that cannot be written costs only the speed-up.
 */
export async function readOrBuild<M>(args: {
  dataset: string;
  key: unknown;
  cacheDir?: string;
  /** What is parsed, for the log line: "reuters21578.tar.gz". */
  what: string;
  log: (line: string) => void;
  build: () => Promise<{ arrays: CachedArrays; meta: M }>;
  accept?: (arrays: CachedArrays) => boolean;
}): Promise<CachedBuild<M>> {
  const file = cacheFile(cacheDir(args.cacheDir), args.dataset, args.key);
  const hit = readCache<M>(file, args.key);
  if (hit && (!args.accept || args.accept(hit.arrays))) {
    return { arrays: hit.arrays, meta: hit.meta, note: `from cache ${file}`, cacheFile: file, fromCache: true };
  }
  args.log(`${args.dataset}: parsing ${args.what} (first load; the result is cached)`);
  const started = Date.now();
  const built = await args.build();
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let note = `parsed in ${seconds} s, cached as ${file}`;
  try {
    writeCache(file, args.key, built.meta, built.arrays);
  } catch (e) {
    note = `parsed in ${seconds} s; could not write the cache ${file} (${(e as Error).message})`;
    args.log(`${args.dataset}: ${note}`);
  }
  return { ...built, note, cacheFile: file, fromCache: false };
}
