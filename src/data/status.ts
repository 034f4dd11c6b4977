import * as fs from 'fs';
import * as path from 'path';
import { isUserError } from '../errors';
import { formatBytes } from './download';
import { defaultLookupContext, locateCopy, supplyHint } from './locate';
import type { DatasetStatus, DescribeRequest } from './dataset-status';
import { describeFileDataset } from './files/describe';
import { getDataset, listDatasets, loadDataset, type DatasetConfig } from './registry';

export type { DatasetStatus, DescribeRequest } from './dataset-status';

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

/**
 * The dataset of one experiment config: a built-in one as in the full list, or the user's
 * files (loaded, so the counts, shape and classes are the ones a run would use).
 */
export async function describeConfigDataset(dataset: DatasetConfig, request: DescribeRequest = {}): Promise<DatasetStatus[]> {
  if (!dataset.format) return describeDatasets({ ...request, names: [dataset.name] });
  return [await describeFileDataset({ ...dataset, format: dataset.format }, request)];
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
    for (const note of s.notes ?? []) lines.push(`  ${note}`);
    if (s.error) lines.push(`  problem: ${s.error}`);
  }
  return lines.join('\n');
}
