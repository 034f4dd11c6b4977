import * as path from 'path';
import { z } from 'zod';
import { displayPath, readConfigFile, resolveExperiment, resolveExperimentFile } from './load';
import { describeIssues } from './issues';
import { fileNameSchema, type ExperimentConfig } from './schema';
import { printable, UserError } from '../errors';

const Value = z.union([z.number(), z.string(), z.boolean()]);

/** A sweep: experiments x a parameter grid x seeds; every cell is one ordinary run. */
export const SweepSchema = z
  .object({
    name: fileNameSchema('it names a folder'),
    description: z.string().default(''),
    /** Built-in experiment names, or config paths relative to the sweep file. */
    experiments: z.array(z.string().min(1)).min(1),
    /** Config paths (`batchSize`, `optimizer.learningRate`, `arms.importance.presample`) to lists of values. */
    grid: z.record(z.array(Value).min(1)).default({}),
    /** Applied to every cell, like the grid (e.g. `epochs: 2`). */
    overrides: z.record(Value).default({}),
    seeds: z.array(z.number().int().min(0)).min(1).optional(),
  })
  .strict();
export type SweepConfig = z.infer<typeof SweepSchema>;

export interface SweepCell {
  index: number;
  /** Folder name of the cell's run: experiment, grid values and seed, filesystem-safe. */
  id: string;
  experiment: string;
  params: Record<string, string | number | boolean>;
  seed?: number;
}

export function loadSweep(file: string): { sweep: SweepConfig; file: string } {
  const doc = readConfigFile(file);
  const parsed = SweepSchema.safeParse(doc);
  if (!parsed.success) throw new UserError(describeIssues(parsed.error, SweepSchema, doc).map((p) => `${displayPath(file)}: ${p}`).join('\n'));
  return { sweep: parsed.data, file };
}

function cartesian(grid: Record<string, (string | number | boolean)[]>): Record<string, string | number | boolean>[] {
  let combos: Record<string, string | number | boolean>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9_.,=-]+/g, '_');
}

/** Every cell in a fixed order: experiments, then grid combinations (last key fastest), then seeds. */
export function sweepCells(sweep: SweepConfig): SweepCell[] {
  const cells: SweepCell[] = [];
  for (const experiment of sweep.experiments) {
    for (const params of cartesian(sweep.grid)) {
      for (const seed of sweep.seeds ?? [undefined]) {
        const label = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(',');
        const name = path.basename(experiment).replace(/\.(ya?ml|json)$/i, '');
        const id = safe([name, label, seed === undefined ? '' : `seed${seed}`].filter(Boolean).join('__'));
        cells.push({ index: cells.length, id, experiment, params, seed });
      }
    }
  }
  return cells;
}

/** Parses `--shard i/n` (1-based i). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UserError(`--shard "${text}": expected i/n with 1 <= i <= n, e.g. --shard 2/4`);
  }
  return { index, count };
}

/** The cells of shard i of n: every n-th cell, starting at the i-th; the shards partition the sweep. */
export function shardCells(cells: SweepCell[], shard: { index: number; count: number }): SweepCell[] {
  return cells.filter((c) => c.index % shard.count === shard.index - 1);
}

/** Sets `a.b.c` in a config document; list items are addressed by their `name` (arms) or index. */
export function setConfigPath(doc: Record<string, unknown>, key: string, value: unknown, where: string): void {
  const parts = key.split('.');
  let node: unknown = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    let next: unknown;
    if (Array.isArray(node)) next = /^\d+$/.test(part) ? node[Number(part)] : node.find((item) => (item as { name?: unknown })?.name === part);
    else if (node && typeof node === 'object') next = (node as Record<string, unknown>)[part];
    if (next === undefined || next === null || typeof next !== 'object') {
      throw new UserError(`${where}: "${key}" does not name a field of the experiment (no "${parts.slice(0, i + 1).join('.')}")`);
    }
    node = next;
  }
  const last = parts[parts.length - 1];
  if (Array.isArray(node)) throw new UserError(`${where}: "${key}" names a list item, not a field`);
  (node as Record<string, unknown>)[last] = value;
}

/** The keys that make a document an experiment config rather than something else (a sweep, package.json, ...). */
const EXPERIMENT_KEYS = ['dataset', 'model', 'arms'];

/**
 * An `experiments:` entry must name an experiment config: one line saying what it is instead,
 * rather than every key it lacks (or the whole of a text that is not a mapping).
 */
function checkIsExperiment(doc: unknown, sweepFile: string, entry: string, file: string): void {
  const isObject = doc !== null && typeof doc === 'object' && !Array.isArray(doc);
  if (isObject && EXPERIMENT_KEYS.some((k) => k in (doc as object))) return;
  const what = !isObject
    ? `its content is ${Array.isArray(doc) ? 'a list' : doc === null ? 'empty' : `a ${typeof doc}`}, not a mapping`
    : 'experiments' in (doc as object)
      ? 'it is a sweep (sweeps do not nest)'
      : `it has none of ${EXPERIMENT_KEYS.join(', ')}`;
  throw new UserError(`${displayPath(sweepFile)}: experiments entry ${JSON.stringify(printable(entry, 80))} (${displayPath(file)}) is not an experiment config: ${what}`);
}

/** The resolved experiment of a cell: its config with the sweep's overrides, grid values and seed. */
export function cellExperiment(sweep: SweepConfig, sweepFile: string, cell: SweepCell): ExperimentConfig {
  const ref = /\.(ya?ml|json)$/i.test(cell.experiment) ? path.resolve(path.dirname(sweepFile), cell.experiment) : cell.experiment;
  const file = resolveExperimentFile(ref);
  const doc = readConfigFile(file) as Record<string, unknown>;
  checkIsExperiment(doc, sweepFile, cell.experiment, file);
  const where = `${displayPath(sweepFile)} (cell ${cell.id})`;
  for (const [k, v] of Object.entries(sweep.overrides)) setConfigPath(doc, k, v, where);
  for (const [k, v] of Object.entries(cell.params)) setConfigPath(doc, k, v, where);
  if (cell.seed !== undefined) doc.seed = cell.seed;
  // a file-based dataset's relative paths are relative to the experiment's own file
  return resolveExperiment(doc, where, path.dirname(path.resolve(file)));
}
