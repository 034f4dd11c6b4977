import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { EpochRecord } from '../spec';
import { epochRecordsToCsv } from './epoch-csv';
import { describeWriteFailure, makeFolders, writeFailureReason, writeFileAtomic } from '../io/files';
import { pathInside } from '../io/inside';

/** A UTC timestamp run id, e.g. 20261127-104323; a suffix makes it unique in its folder. */
export function timestampId(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Checks before training that the output folder can be created and written: creates it, then
 * writes and removes a small probe file (a full disk or read-only mount fails here, not after
 * the first epoch; root passes permission bits, so a probe write is the only real test).
 */
export function checkWritable(dir: string, options: { create?: boolean } = {}): void {
  if (!dir.trim()) throw new UserError('--out: expected a folder path, got an empty string');
  // without `create`, probe the nearest folder that exists: nothing is left behind on failure
  const target = options.create === false ? nearestExisting(dir) : dir;
  const probe = path.join(target, `.write-probe-${process.pid}`);
  try {
    if (options.create !== false) makeFolders(dir);
    if (!fs.statSync(target).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    fs.writeFileSync(probe, 'is-bench write probe\n');
    fs.rmSync(probe);
  } catch (e) {
    try {
      fs.rmSync(probe, { force: true });
    } catch {
      // nothing was written
    }
    const code = (e as NodeJS.ErrnoException).code;
    // ENOENT from mkdir in a folder that exists: the file system holds no folders there (/proc, /sys)
    const why = code === 'ENOENT' ? 'a folder cannot be created there (ENOENT)' : (writeFailureReason(e) ?? `${code ?? (e as Error).message}`);
    const fix = code === 'ENOSPC' || code === 'EDQUOT' ? 'free some space or choose another folder with --out' : 'choose another folder with --out';
    throw new UserError(`--out ${dir}: cannot write there: ${why}; ${fix}`);
  }
}

function nearestExisting(dir: string): string {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  return at;
}

/** A run folder that could not be made (the disk filled up after the probe, ...): a UserError when the machine caused it. */
function folderError(dir: string, e: unknown): unknown {
  const why = describeWriteFailure(e);
  return why ? new UserError(`${dir}: cannot create the run folder: ${why}`) : e;
}

/** What a run writes to as it goes: a run folder, or nothing (a library call that keeps its results in memory). */
export type RunFiles = Pick<RunOutput, 'dir' | 'runId' | 'writeArm' | 'writeJson' | 'armCsvPath'>;

/**
 * The files of one run, `<out>/<experiment>/<run-id>/`: one CSV per arm and summary.json,
 * each rewritten atomically after every epoch so an interrupted run keeps what it finished.
 */
export class RunOutput {
  private constructor(
    readonly dir: string,
    readonly runId: string,
  ) {}

  /** Creates the run folder exclusively: two runs started in the same second get different ids. */
  static create(outDir: string, experiment: string, date = new Date()): RunOutput {
    if (!outDir.trim()) throw new UserError('--out: expected a folder path, got an empty string');
    const parent = path.join(outDir, experiment);
    checkWritable(parent);
    const base = timestampId(date);
    for (let i = 0; i < 10000; i++) {
      const runId = i === 0 ? base : `${base}-${i + 1}`;
      const dir = path.join(parent, runId);
      try {
        fs.mkdirSync(dir); // fails with EEXIST when another run took this id
        return new RunOutput(dir, runId);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw folderError(dir, e);
      }
    }
    throw new UserError(`${parent}: could not create a new run folder`);
  }

  /** Exactly this new folder (repeats and sweep cells); an existing one is not reused. */
  static createAt(dir: string): RunOutput {
    checkWritable(path.dirname(dir));
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${dir}: already exists; a run never writes into another run's folder`);
      throw folderError(dir, e);
    }
    return new RunOutput(dir, path.basename(dir));
  }

  /** No folder: every write is dropped (the run's results are returned, not saved). `dir` is empty. */
  static discard(runId: string): RunFiles {
    return { dir: '', runId, writeArm() {}, writeJson() {}, armCsvPath: (arm) => `${arm}.csv` };
  }

  /** An existing run folder (for resume and report). */
  static open(dir: string): RunOutput {
    return new RunOutput(dir, path.basename(dir));
  }

  armCsvPath(arm: string): string {
    return pathInside(this.dir, [`${arm}.csv`], 'arm name');
  }

  writeArm(arm: string, records: EpochRecord[]): void {
    const extra: string[] = [];
    for (const r of records) for (const k of Object.keys(r.extra)) if (!extra.includes(k)) extra.push(k);
    writeFileAtomic(this.armCsvPath(arm), epochRecordsToCsv(records, extra));
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(pathInside(this.dir, [name], 'file name'), JSON.stringify(value, null, 2) + '\n');
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(pathInside(this.dir, [name], 'file name'), text);
  }
}
