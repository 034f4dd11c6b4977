import * as path from 'path';
import type { Command } from 'commander';
import { loadExperiment, type ConfigOverrides } from '../config/load';
import type { BackendChoice } from '../engine/backend';
import { EXIT } from '../errors';
import { BarProgress, PlainProgress } from '../report/progress';
import { summaryTable } from '../report/summary-table';
import { runExperiment, type RunEvents, type RunResult } from '../train/experiment';
import type { CliIO } from './io';
import { armList, backendChoice, nonNegativeInt, positiveInt } from './options';

export interface RunCommandOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  limit?: number;
  arms?: string[];
  backend: BackendChoice;
  out: string;
  dataDir?: string;
  progress: boolean;
  json: boolean;
  checkpoint: boolean;
}

/** The options every command that runs an experiment takes. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--epochs <n>', 'number of epochs (overrides the config)', positiveInt)
    .option('--batch-size <n>', 'batch size b (overrides the config)', positiveInt)
    .option('--seed <n>', 'random seed: initial weights, dropout and data selection', nonNegativeInt)
    .option('--limit <n>', 'use only the first N training samples (quick runs)', positiveInt)
    .option('--arms <a,b>', 'run only these arms (comma-separated names)', armList)
    .option('--backend <name>', 'tfjs backend: auto, tensorflow, wasm or cpu', backendChoice, 'auto')
    .option('--out <dir>', 'results folder', 'results')
    .option('--data-dir <dir>', 'where the dataset files are (overrides the lookup)')
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--no-checkpoint', 'do not save per-epoch checkpoints (the run cannot be resumed)')
    .option('--json', 'print the final summary as JSON on stdout (logs go to stderr)', false);
}

/** Stops the run at the next step on the first SIGINT/SIGTERM; a second one exits at once. */
function installSignalHandlers(onStop: (signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count > 1) process.exit(signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint);
    onStop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** How a command that trains shows progress and reports. */
export interface OutputChoice {
  progress: boolean;
  json: boolean;
}

/**
 * Runs `train` with the chosen display and signal handling, prints the summary table (and the
 * JSON summary with --json), and maps the run's status to the exit code.
 */
export async function trainAndReport(
  arms: string[],
  opts: OutputChoice,
  io: CliIO,
  train: (events: RunEvents, shouldStop: () => boolean) => Promise<RunResult>,
): Promise<number> {
  const out = opts.json ? io.stderr : io.stdout;
  const events: RunEvents =
    opts.progress && (out as NodeJS.WriteStream).isTTY ? new BarProgress(out as NodeJS.WriteStream, arms) : new PlainProgress(out);
  let stopSignal: NodeJS.Signals | undefined;
  const removeHandlers = installSignalHandlers((s) => {
    stopSignal = s;
    out.write(`\n${s}: stopping after the current step (again to exit at once)\n`);
  });
  try {
    const { summary, dir } = await train(events, () => stopSignal !== undefined);
    out.write('\n' + summaryTable(summary) + '\n');
    const rel = path.relative(process.cwd(), dir);
    out.write(`\nResults: ${rel && !rel.startsWith('..') ? rel : dir}\n`);
    if (summary.status === 'interrupted') out.write(`Interrupted; continue with: is-bench resume ${rel && !rel.startsWith('..') ? rel : dir}\n`);
    if (opts.json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    if (summary.status === 'interrupted') return stopSignal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
    if (summary.status === 'diverged') return EXIT.diverged;
    return EXIT.ok;
  } finally {
    removeHandlers();
  }
}

/** `is-bench <experiment>` / `is-bench run <file>`: run, print the summary, return the exit code. */
export async function runCommand(ref: string, opts: RunCommandOptions, io: CliIO): Promise<number> {
  const overrides: ConfigOverrides = {
    epochs: opts.epochs,
    batchSize: opts.batchSize,
    seed: opts.seed,
    limit: opts.limit,
    arms: opts.arms,
    dataPath: opts.dataDir,
  };
  const { config } = loadExperiment(ref, overrides);
  return trainAndReport(config.arms.map((a) => a.name), opts, io, (events, shouldStop) =>
    runExperiment(config, { backend: opts.backend, outDir: opts.out, events, shouldStop, checkpoint: opts.checkpoint }),
  );
}
