import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import type { BackendChoice } from '../engine/backend';
import { readRunSummary, resumeExperiment, runExperiment, type RunResult } from '../train/experiment';
import { cellExperiment, loadSweep, parseShard, shardCells, sweepCells } from '../train/sweep';
import type { CliIO } from './io';
import { checkWritable } from '../report/run-output';
import { backendChoice, dataDirOption, folderPath, positiveInt } from './options';
import { trainAndReport } from './run';

export interface SweepOptions {
  shard: string;
  backend: BackendChoice;
  out: string;
  evalTrain?: number;
  target?: string;
  dataDir?: string;
  progress: boolean;
  json: boolean;
  checkpoint: boolean;
}

export function addSweepCommand(program: Command, io: CliIO, result: { code: number }): void {
  program
    .command('sweep')
    .description('run a sweep (experiments x parameter grid x seeds), or with --shard i/n a deterministic share of its cells')
    .argument('<file>', 'sweep config (.yaml/.json)')
    .option('--shard <i/n>', 'run only the i-th of n shares of the cells (1-based); shards partition the sweep', '1/1')
    .option('--backend <name>', 'tfjs backend: auto, tensorflow, wasm or cpu', backendChoice, 'auto')
    .option('--out <dir>', 'results folder; cells go to <out>/sweeps/<sweep>/<cell>/', folderPath, 'results')
    .option('--eval-train <n>', 'measure every arm on a fixed subset of N training samples at each epoch end', positiveInt)
    .addOption(dataDirOption())
    .option('--target <metric=value>', 'time-to-target goal for the report')
    .option('--no-checkpoint', 'do not save per-epoch checkpoints')
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--json', 'print the final report as JSON on stdout', false)
    .action(async (file: string, opts: SweepOptions) => {
      result.code = await sweepCommand(file, opts, io);
    });
}

/**
 * `is-bench sweep <file> --shard i/n`: runs this shard's cells, each into its own folder named
 * after the cell, so shards on different machines never collide and `is-bench report` merges
 * them. A finished cell is skipped and an interrupted one resumed, so a rerun continues a sweep.
 */
export async function sweepCommand(file: string, opts: SweepOptions, io: CliIO): Promise<number> {
  const { sweep } = loadSweep(file);
  const shard = parseShard(opts.shard);
  const cells = shardCells(sweepCells(sweep), shard);
  const configs = cells.map((cell) => ({ cell, config: cellExperiment(sweep, file, cell) })); // every cell valid before any runs
  const dir = path.join(opts.out, 'sweeps', sweep.name);
  checkWritable(dir);
  const arms = [...new Set(configs.flatMap((c) => c.config.arms.map((a) => a.name)))];
  return trainAndReport(arms, opts, io, async (events, shouldStop) => {
    const runs: RunResult[] = [];
    for (const [i, { cell, config }] of configs.entries()) {
      const runDir = path.join(dir, cell.id);
      const existing = fs.existsSync(path.join(runDir, 'summary.json')) ? readRunSummary(runDir) : undefined;
      events.log(`Cell ${i + 1}/${configs.length} of shard ${opts.shard} (${cell.index + 1} of the sweep): ${cell.id}`);
      if (existing?.status === 'finished') {
        events.log('  already finished; skipped');
        continue;
      }
      const common = { backend: opts.backend, events, shouldStop, checkpoint: opts.checkpoint, dataDir: opts.dataDir };
      const run = existing
        ? await resumeExperiment(runDir, common)
        : await runExperiment(config, { ...common, outDir: opts.out, runDir, evalTrain: opts.evalTrain });
      runs.push(run);
      if (run.summary.status === 'interrupted') break;
    }
    return { runs, reportDir: dir };
  });
}
