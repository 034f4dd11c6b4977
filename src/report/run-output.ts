import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../errors';
import type { EpochRecord } from '../spec';
import { epochRecordsToCsv } from './csv';
import { writeFileAtomic } from './files';

/** A UTC timestamp run id, e.g. 20261127-104323; a suffix makes it unique in its folder. */
export function timestampId(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Checks before training that the output folder can be created and written. */
export function checkWritable(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
  } catch (e) {
    throw new UserError(`--out ${dir}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a writable folder with --out`);
  }
}

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
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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
      throw e;
    }
    return new RunOutput(dir, path.basename(dir));
  }

  /** An existing run folder (for resume and report). */
  static open(dir: string): RunOutput {
    return new RunOutput(dir, path.basename(dir));
  }

  armCsvPath(arm: string): string {
    return path.join(this.dir, `${arm}.csv`);
  }

  writeArm(arm: string, records: EpochRecord[]): void {
    const extra: string[] = [];
    for (const r of records) for (const k of Object.keys(r.extra)) if (!extra.includes(k)) extra.push(k);
    writeFileAtomic(this.armCsvPath(arm), epochRecordsToCsv(records, extra));
  }

  writeJson(name: string, value: unknown): void {
    writeFileAtomic(path.join(this.dir, name), JSON.stringify(value, null, 2) + '\n');
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(path.join(this.dir, name), text);
  }
}
