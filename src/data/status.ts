import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../errors';
import { formatBytes } from './download';
import { defaultLookupContext, locateCopy, supplyHint, type LookedPlace, type LookupContext, type PlaceKind } from './locate';
import { getDataset, listDatasets, loadDataset } from './registry';

/** One row of `is-bench datasets`. */
export interface DatasetStatus {
  name: string;
  description: string;
  found: boolean;
  /** Where the copy is: place label and path ("IS_BENCH_DATA: /data/aclImdb.tar.gz"). */
  where?: string;
  place?: PlaceKind;
  path?: string;
  /** What was found ("aclImdb archive", "IDX files (...)"). */
  form?: string;
  /** Bytes of the copy on disk (file, or all files of the folder). */
  sizeOnDisk?: number;
  train: number;
  test: number;
  inputShape: number[];
  numClasses: number;
  /** 'loaded': counts and shape from actually loading it; 'expected': the definition's, with default options. */
  counts: 'expected' | 'loaded';
  /** How to supply it, when not found. */
  hint?: string;
  looked: LookedPlace[];
  /** A problem with the copy (explicit path wrong, file damaged when loaded). */
  error?: string;
}

export interface DescribeRequest {
  /** --data-dir */
  dataDir?: string;
  cacheDir?: string;
  /** Load every found dataset to report real counts (uses the parse cache; slow on a first run). */
  load?: boolean;
  /** Only these datasets (default all). */
  names?: string[];
  log?: (line: string) => void;
  /** For tests: the machine the lookup reads. */
  context?: LookupContext;
}

function sizeOf(p: string): number {
  const s = fs.statSync(p);
  if (s.isFile()) return s.size;
  let total = 0;
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.isFile() || e.isDirectory()) total += sizeOf(path.join(p, e.name));
  }
  return total;
}

/** Where every dataset is (without downloading anything), with counts, shapes and size on disk. */
export async function describeDatasets(request: DescribeRequest = {}): Promise<DatasetStatus[]> {
  const ctx = request.context ?? defaultLookupContext();
  const names = request.names ?? listDatasets().map((d) => d.name);
  const out: DatasetStatus[] = [];
  for (const name of names) {
    const def = getDataset(name);
    const base = {
      name,
      description: def.description,
      train: def.expected.train,
      test: def.expected.test,
      inputShape: def.expected.inputShape,
      numClasses: def.expected.numClasses,
      counts: 'expected' as const,
    };
    if (!def.sources) {
      out.push({ ...base, found: true, where: 'generated from a fixed seed', form: 'generated', sizeOnDisk: 0, looked: [] });
      continue;
    }
    let status: DatasetStatus;
    try {
      const lookup = locateCopy(name, def.sources, { dataDir: request.dataDir }, ctx);
      const copy = lookup.found;
      status = copy
        ? {
            ...base,
            found: true,
            where: `${copy.placeLabel}: ${copy.path}`,
            place: copy.place,
            path: copy.path,
            form: copy.form.label,
            sizeOnDisk: sizeOf(copy.path),
            looked: lookup.looked,
          }
        : { ...base, found: false, hint: supplyHint(name, def.sources, ctx), looked: lookup.looked };
    } catch (e) {
      if (!isUserError(e)) throw e;
      status = { ...base, found: false, error: e.message, hint: supplyHint(name, def.sources, ctx), looked: [] };
    }
    if (status.found && request.load) {
      try {
        const ds = await loadDataset(
          { name, validation: 'test', options: {}, path: status.path },
          { seed: 0, log: request.log ?? (() => undefined), cacheDir: request.cacheDir, download: false },
        );
        status = { ...status, train: ds.train.n, test: ds.validation.n, inputShape: ds.inputShape, numClasses: ds.numClasses, counts: 'loaded' };
      } catch (e) {
        if (!isUserError(e)) throw e;
        status = { ...status, error: e.message };
      }
    }
    out.push(status);
  }
  return out;
}

/** `is-bench datasets` as text: one line per dataset, then where each was found or how to get it. */
export function formatDatasetStatus(statuses: DatasetStatus[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.found ? (s.error ? 'damaged' : 'found') : 'missing',
    `${s.train}`,
    `${s.test}`,
    s.inputShape.join('x'),
    `${s.numClasses}`,
    s.sizeOnDisk !== undefined && s.sizeOnDisk > 0 ? formatBytes(s.sizeOnDisk) : '-',
  ]);
  const header = ['dataset', 'status', 'train', 'test', 'input', 'classes', 'on disk'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const lines = [line(header), ...rows.map(line)];
  if (statuses.some((s) => s.counts === 'expected' && s.found && s.form !== 'generated')) {
    lines.push('(train/test/input: expected sizes with default options; load a dataset to see its own)');
  }
  lines.push('');
  for (const s of statuses) {
    if (s.found) lines.push(`${s.name}: ${s.where}${s.form && s.form !== 'generated' ? ` [${s.form}]` : ''}`);
    else lines.push(`${s.name}: not found. ${s.hint ?? ''}`);
    if (s.error) lines.push(`  problem: ${s.error}`);
  }
  return lines.join('\n');
}
