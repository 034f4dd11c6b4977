/**
 * Reads finished run folders (`results/<experiment>/<run-id>/`: `<arm>.csv` + `summary.json`)
 * into plain records. Reports never see live objects, only these files.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { UserError } from '../errors';
import { EPOCH_COLUMNS, type EpochRecord } from '../spec';

const armConfigSchema = z.object({ name: z.string(), strategy: z.string() }).passthrough();

const summaryArmSchema = z
  .object({
    name: z.string(),
    strategy: z.string(),
    status: z.string().optional(),
    epochs: z.number().optional(),
    final: z.record(z.unknown()).nullable().optional(),
    best: z.record(z.unknown()).nullable().optional(),
  })
  .passthrough();

const summarySchema = z
  .object({
    experiment: z.string(),
    runId: z.string(),
    seed: z.number(),
    status: z.string(),
    config: z
      .object({
        arms: z.array(armConfigSchema),
        batchSize: z.number().optional(),
        epochs: z.number().optional(),
        expect: z.array(z.string()).optional(),
        reference: z.unknown().optional(),
        quick: z.boolean().optional(),
      })
      .passthrough(),
    backend: z.string().optional(),
    backendLine: z.string().optional(),
    versions: z.record(z.unknown()).optional(),
    machine: z
      .object({
        cpu: z.string().optional(),
        cores: z.number().optional(),
        memoryGiB: z.number().optional(),
        platform: z.string().optional(),
      })
      .passthrough()
      .optional(),
    commit: z.string().nullable().optional(),
    configHash: z.string().optional(),
    arms: z.array(summaryArmSchema).optional(),
  })
  .passthrough();

/** What `summary.json` holds (the fields reports read; the rest passes through). */
export type RunSummary = z.infer<typeof summarySchema>;
export type RunSummaryArm = z.infer<typeof summaryArmSchema>;

/** One arm of one run, with its per-epoch records as written to `<arm>.csv`. */
export interface ArmRun {
  name: string;
  strategy: string;
  status: string;
  records: EpochRecord[];
  /** The CSV's header, in file order (fixed columns, diagnostics, optional train_eval_*). */
  columns: string[];
  /** The arm's entry of summary.json, when it has one (may hold test metrics). */
  summary?: RunSummaryArm;
}

/** One run folder, read. */
export interface RunFolder {
  dir: string;
  summary: RunSummary;
  arms: ArmRun[];
}

const FIXED = new Set<string>(EPOCH_COLUMNS);

/**
 * Parses the text of an `<arm>.csv`: a header row, the fixed EPOCH_COLUMNS, then extra
 * columns (strategy diagnostics, train_eval_loss, ...). Empty cells are NaN.
 * `source` names the file in error messages.
 */
export function parseEpochCsv(text: string, source: string): { records: EpochRecord[]; columns: string[] } {
  let rows: string[][];
  try {
    rows = parse(text, { skip_empty_lines: true, trim: true }) as string[][];
  } catch (e) {
    throw new UserError(`${source}: not a readable CSV file (${(e as Error).message})`);
  }
  if (rows.length === 0) return { records: [], columns: [] };
  const columns = rows[0];
  const missing = EPOCH_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length > 0) {
    throw new UserError(
      `${source}: missing column(s) ${missing.join(', ')}; an is-bench epoch CSV starts with ${EPOCH_COLUMNS.join(',')}`,
    );
  }
  const records = rows.slice(1).map((row, i) => {
    const values: Record<string, number> = {};
    columns.forEach((column, j) => {
      values[column] = parseCell(row[j] ?? '', () => `${source}: row ${i + 2}, column ${column}`);
    });
    const extra: Record<string, number> = {};
    for (const column of columns) if (!FIXED.has(column)) extra[column] = values[column];
    const record = { extra } as EpochRecord;
    for (const column of EPOCH_COLUMNS) (record as unknown as Record<string, number>)[column] = values[column];
    return record;
  });
  return { records, columns };
}

function parseCell(cell: string, where: () => string): number {
  if (cell === '') return NaN;
  const value = Number(cell);
  if (Number.isNaN(value) && cell !== 'NaN') throw new UserError(`${where()}: "${cell}" is not a number`);
  return value;
}

/** Reads one run folder. A missing `<arm>.csv` (an arm stopped before its first epoch) reads as no records. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const summaryPath = path.join(dir, 'summary.json');
  let raw: string;
  try {
    raw = await fs.readFile(summaryPath, 'utf8');
  } catch {
    throw new UserError(`${summaryPath}: not found; give a run folder (results/<experiment>/<run-id>/) that holds summary.json`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new UserError(`${summaryPath}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = summarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`${summaryPath}: field "${issue.path.join('.')}": ${issue.message}`);
  }
  const summary = parsed.data;
  const armEntries = summary.arms && summary.arms.length > 0 ? summary.arms : summary.config.arms;
  const arms: ArmRun[] = [];
  for (const entry of armEntries) {
    const csvPath = path.join(dir, `${entry.name}.csv`);
    let text: string | null = null;
    try {
      text = await fs.readFile(csvPath, 'utf8');
    } catch {
      text = null;
    }
    const { records, columns } = text === null ? { records: [], columns: [] } : parseEpochCsv(text, csvPath);
    const summaryArm = summary.arms?.find((a) => a.name === entry.name);
    arms.push({
      name: entry.name,
      strategy: entry.strategy,
      status: summaryArm?.status ?? summary.status,
      records,
      columns,
      summary: summaryArm,
    });
  }
  return { dir, summary, arms };
}

/**
 * The run folders named by `dirs`: a folder with summary.json is a run; a folder without one
 * (an experiment or sweep folder) stands for the run folders below it, up to two levels down.
 * Duplicates are dropped; order is kept.
 */
export async function findRunDirs(dirs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  const add = (d: string) => {
    const key = path.resolve(d);
    if (!seen.has(key)) {
      seen.add(key);
      found.push(d);
    }
  };
  for (const dir of dirs) {
    const below = await runDirsUnder(dir, 2);
    if (below.length === 0) {
      throw new UserError(`${dir}: no summary.json here or in the folders below it; give a run folder (results/<experiment>/<run-id>/)`);
    }
    below.forEach(add);
  }
  return found;
}

async function runDirsUnder(dir: string, depth: number): Promise<string[]> {
  if (await exists(path.join(dir, 'summary.json'))) return [dir];
  if (depth === 0) return [];
  let entries: import('fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    throw new UserError(`${dir}: not a folder that can be read`);
  }
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const out: string[] = [];
  for (const name of subdirs) out.push(...(await runDirsUnder(path.join(dir, name), depth - 1)));
  return out;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
