/**
 * One `is-bench` process per seed, each with one BLAS thread, assembled into a repeats group: how
 * the long scripts (reproductions, the equal-budget study) use every core of a small machine. The
 * arms of a seed still alternate in its own process, so their ratios stay paired; absolute times
 * are those of a machine whose every core is busy. Calling again resumes every unfinished seed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { seedFolder, writeRepeatsGroup } from '../../src/campaign/repeats-group';
import type { ExperimentConfig } from '../../src/config/schema';
import { readRunSummary } from '../../src/record/run-summary';
import type { BackendChoice } from '../../src/engine/backend';

const ROOT = path.resolve(__dirname, '..', '..');

/** Copies what a report reads from a group folder: group.json, and every seed's summary.json and CSVs (no checkpoints). */
export function copyRuns(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    if (e.isDirectory() && e.name !== 'checkpoints') copyRuns(src, path.join(to, e.name));
    else if (e.isFile() && (e.name === 'group.json' || e.name === 'summary.json' || e.name.endsWith('.csv'))) fs.copyFileSync(src, path.join(to, e.name));
  }
}

/** The folders under `<out>/<experiment>/`, where is-bench puts an experiment's runs and groups. */
export function foldersOf(out: string, experiment: string): string[] {
  const dir = path.join(out, experiment);
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((g) => path.join(dir, g)) : [];
}

/** The run folders under `<out>/<experiment>/` (each holds a summary.json once its run has started). */
function runFolders(out: string, experiment: string): string[] {
  return foldersOf(out, experiment).filter((d) => fs.existsSync(path.join(d, 'summary.json')));
}

/** Runs `bin/is-bench` with `args`, its output appended to `log`, with one BLAS thread unless told otherwise; resolves to its exit code. */
function isBench(args: string[], log: string): Promise<number> {
  const fd = fs.openSync(log, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'is-bench'), ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1' },
  });
  return new Promise((resolve) => child.on('close', (code) => { fs.closeSync(fd); resolve(code ?? 1); }));
}

export interface SeedsAtOnce {
  /** The experiment as is-bench names it (the folder its runs go to). */
  config: ExperimentConfig;
  seeds: number;
  backend: BackendChoice;
  /** The folder of this batch: `seed-<s>/` and `seed-<s>.log` per seed, `group/` for the assembled group. */
  base: string;
  /** The is-bench command line that starts one seed's run, without `--seed`, `--out`, `--backend`. */
  command: string[];
}

/** The group folder assembled from one process per seed, each started, resumed or (finished) kept. */
export async function runSeedsAtOnce(o: SeedsAtOnce): Promise<string> {
  const name = o.config.name;
  const list = Array.from({ length: o.seeds }, (_, i) => o.config.seed + i);
  const codes = await Promise.all(
    list.map((seed) => {
      const out = path.join(o.base, `seed-${seed}`);
      fs.mkdirSync(out, { recursive: true });
      const log = path.join(o.base, `seed-${seed}.log`);
      const earlier = runFolders(out, name)[0];
      if (earlier && readRunSummary(earlier).status === 'finished') return 0;
      process.stderr.write(`${name} seed ${seed}: ${earlier ? 'resuming' : 'starting'}, output in ${log}\n`);
      const args = earlier ? ['resume', earlier] : [...o.command, '--seed', String(seed), '--out', out];
      return isBench([...args, '--backend', o.backend, '--no-progress'], log);
    }),
  );
  const runs = list.map((seed) => runFolders(path.join(o.base, `seed-${seed}`), name)[0]);
  const unfinished = list.filter((_, i) => codes[i] !== 0 || !runs[i] || readRunSummary(runs[i]).status !== 'finished');
  if (unfinished.length) throw new Error(`${name}: seeds ${unfinished.join(', ')} did not finish (see ${o.base}/seed-<s>.log); call again to continue`);
  const group = path.join(o.base, 'group', name, 'parallel');
  fs.rmSync(group, { recursive: true, force: true });
  fs.mkdirSync(group, { recursive: true });
  list.forEach((seed, i) => copyRuns(runs[i], seedFolder(group, seed)));
  writeRepeatsGroup(group, { tool: 'is-bench', kind: 'repeats', experiment: name, seeds: list, config: o.config, checkpoint: true });
  return group;
}
