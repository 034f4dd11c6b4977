import * as path from 'path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ExperimentConfig } from '../config/schema';
import { UserError } from '../errors';
import { formatExpectationTable } from '../report/expectations';
import { reportJson, reportRunDirs, type ReportOptions } from '../report/report';
import { formatReproduction } from '../report/reproduction';
import { checkWritable, RunOutput } from '../report/run-output';
import { parseTarget } from '../report/target';
import { loadExperiment, type ConfigOverrides } from '../config/load';
import type { BackendChoice } from '../engine/backend';
import { EXIT } from '../errors';
import { BarProgress, PlainProgress } from '../report/progress';
import { sideBySideTable } from '../report/report-document';
import { tableToMarkdown } from '../report/table';
import type { ExperimentAnalysis } from '../report/analysis';
import { runExperiment, type RunEvents, type RunResult } from '../train/experiment';
import type { CliIO } from './io';
import { armList, backendChoice, dataDirOption, folderPath, nonNegativeInt, positiveInt } from './options';

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
  evalTrain?: number;
  target?: string;
  repeats?: number;
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
    .option('--out <dir>', 'results folder', folderPath, 'results')
    .addOption(dataDirOption())
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--no-checkpoint', 'do not save per-epoch checkpoints (the run cannot be resumed)')
    .option('--eval-train <n>', 'measure every arm on a fixed subset of N training samples at each epoch end (train_eval_* columns)', positiveInt)
    .option('--target <metric=value>', 'time-to-target goal, e.g. val_accuracy=0.98 or train_loss=0.02 (default: the uniform arm\'s best val_loss)', targetOption)
    .option('--repeats <n>', 'run with N seeds (seed, seed+1, ...) and report mean ± 95% CI', positiveInt)
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
  target?: string;
}

/** What a training command produced: its runs, and the folder the report goes to. */
export interface TrainedRuns {
  runs: RunResult[];
  reportDir: string;
  /** Options for the report (e.g. reproduction of a documented setup). */
  report?: Omit<ReportOptions, 'target' | 'outDir'>;
}

/** The side-by-side table printed at the end of a run, with how to read it. */
function terminalSummary(analysis: ExperimentAnalysis): string {
  const notes = [
    `epoch time ratio and cost ratio: per epoch, against the "${analysis.referenceArm}" arm; cost = forward + 2 x backward samples; cost model = (B + 3b) / 3b for upper-bound arms.`,
  ];
  if (analysis.arms.some((a) => a.strategy !== 'uniform')) {
    notes.push("A non-uniform arm's loss/accuracy are measured on its sampled (hard, reweighted) batches: compare arms by val_*.");
  }
  return `${tableToMarkdown(sideBySideTable(analysis))}\n${notes.join('\n')}`;
}

function shown(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') ? rel : dir;
}

/**
 * Runs `train` with the chosen display and signal handling, prints each run's summary table,
 * writes and prints the report (headline, expectations, reproduction), and maps the outcome to
 * the exit code: interrupted 130/143, diverged 4, an expectation failed 3, else 0.
 */
export async function trainAndReport(
  arms: string[],
  opts: OutputChoice,
  io: CliIO,
  train: (events: RunEvents, shouldStop: () => boolean) => Promise<TrainedRuns>,
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
    const { runs, reportDir, report: reportOptions } = await train(events, () => stopSignal !== undefined);
    const interrupted = runs.some((r) => r.summary.status === 'interrupted');
    const finishedEpochs = runs.some((r) => r.summary.arms.some((a) => a.epochsCompleted > 0));
    let expectationsFailed = false;
    let reportJsonValue: unknown;
    if (finishedEpochs || runs.length === 0) {
      const report = await reportRunDirs([reportDir], { ...reportOptions, target: opts.target });
      expectationsFailed = report.expectationsFailed;
      reportJsonValue = reportJson(report.groups);
      for (const g of report.groups) {
        out.write('\n' + terminalSummary(g.analysis) + '\n');
        out.write('\n' + g.headlines.join('\n') + '\n');
        if (g.expectations.length) out.write('\n' + formatExpectationTable(g.expectations) + '\n');
        if (g.reproduction) out.write('\n' + formatReproduction(g.reproduction.setup, g.reproduction.ours, g.reproduction.verdicts) + '\n');
      }
      out.write(`\nReport: ${shown(path.join(reportDir, 'summary.md'))}, ${shown(path.join(reportDir, 'report.html'))}\n`);
    } else {
      for (const { summary } of runs) for (const a of summary.arms) out.write(`${a.name}: ${a.status}, no finished epoch\n`);
    }
    out.write(`Results: ${shown(reportDir)}\n`);
    if (interrupted) out.write(`Interrupted; continue with: is-bench resume ${shown(runs[runs.length - 1].dir)}\n`);
    if (opts.json) {
      const json = runs.length === 1 ? { ...runs[0].summary, report: reportJsonValue } : { runs: runs.map((r) => r.summary), report: reportJsonValue };
      io.stdout.write(JSON.stringify(json, null, 2) + '\n');
    }
    if (interrupted) return stopSignal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
    if (runs.some((r) => r.summary.status === 'diverged')) return EXIT.diverged;
    if (expectationsFailed) return EXIT.expectationFailed;
    return EXIT.ok;
  } finally {
    removeHandlers();
  }
}

/** Checks --target now, so a typo fails before hours of training rather than after. */
function targetOption(value: string): string {
  try {
    parseTarget(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--target "[^"]*": /, ''));
  }
  return value;
}

/** Runs an experiment once, or --repeats times with seeds seed, seed+1, ... in one group folder. */
export async function runRepeats(
  config: ExperimentConfig,
  opts: Pick<RunCommandOptions, 'backend' | 'out' | 'checkpoint' | 'evalTrain' | 'repeats' | 'dataDir'> & { quick?: boolean },
  events: RunEvents,
  shouldStop: () => boolean,
): Promise<TrainedRuns> {
  const base = {
    backend: opts.backend,
    outDir: opts.out,
    events,
    shouldStop,
    checkpoint: opts.checkpoint,
    evalTrain: opts.evalTrain,
    quick: opts.quick,
    dataDir: opts.dataDir,
  };
  const repeats = opts.repeats ?? 1;
  if (repeats === 1) {
    const run = await runExperiment(config, base);
    return { runs: [run], reportDir: run.dir };
  }
  const group = RunOutput.create(opts.out, config.name);
  const runs: RunResult[] = [];
  for (let i = 0; i < repeats; i++) {
    const seed = config.seed + i;
    events.log(`Repeat ${i + 1}/${repeats}: seed ${seed}`);
    const run = await runExperiment({ ...config, seed }, { ...base, runDir: path.join(group.dir, `seed-${seed}`) });
    runs.push(run);
    if (run.summary.status === 'interrupted') break;
  }
  return { runs, reportDir: group.dir };
}

/** A train_loss target needs the measured training loss: fail before training, not after. */
export function checkTargetFits(target: string | undefined, evalTrain: number | undefined): void {
  if (target && /^\s*train_/.test(target) && !evalTrain) {
    throw new UserError(`--target ${target.trim()} needs --eval-train N: the loss column of an importance arm is a weighted estimate on its sampled batches, not comparable across arms`);
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
  };
  const { config } = loadExperiment(ref, overrides);
  checkTargetFits(opts.target, opts.evalTrain);
  checkWritable(path.join(opts.out, config.name), { create: false }); // before loading (or downloading) data
  return trainAndReport(config.arms.map((a) => a.name), opts, io, (events, shouldStop) => runRepeats(config, opts, events, shouldStop));
}
