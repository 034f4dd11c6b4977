/**
 * Reads finished run folders (`results/<experiment>/<run-id>/`: `<arm>.csv` + `summary.json`)
 * into plain records. Reports never see live objects, only these files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import { entryExists } from '../io/inside';
import { readArmCsv } from '../record/epoch-csv';
import { readRunSummary, type ArmSummary, type RunSummary } from '../record/run-summary';
import type { EpochRecord } from '../spec';

/** One arm of one run, with its per-epoch records as written to `<arm>.csv`. */
export interface ArmRun {
  name: string;
  strategy: string;
  status: string;
  records: EpochRecord[];
  /** The CSV's header, in file order (fixed columns, diagnostics, optional train_eval_*). */
  columns: string[];
  /** The arm's entry of summary.json, when it has one (may hold test metrics). */
  summary?: ArmSummary;
}

/** One run folder, read. */
export interface RunFolder {
  dir: string;
  summary: RunSummary;
  arms: ArmRun[];
}

/** Reads one run folder. A missing `<arm>.csv` (an arm stopped before its first epoch) reads as no records. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const summary = readRunSummary(dir);
  const armEntries = summary.arms.length > 0 ? summary.arms : summary.config.arms;
  const arms: ArmRun[] = [];
  for (const entry of armEntries) {
    const { records, columns } = readArmCsv(dir, entry.name, 'summary.json arm name') ?? { records: [], columns: [] };
    const summaryArm = summary.arms.find((a) => a.name === entry.name);
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
  if (entryExists(path.join(dir, 'summary.json'))) return [dir];
  if (depth === 0) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    throw new UserError(`${dir}: not a folder that can be read`);
  }
  const subdirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const out: string[] = [];
  for (const name of subdirs) out.push(...(await runDirsUnder(path.join(dir, name), depth - 1)));
  return out;
}
