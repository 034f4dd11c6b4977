import { InvalidArgumentError, Option, type Command } from 'commander';
import { runCampaign } from '../campaign/campaign';
import { displayPath, loadExperiment } from '../config/load';
import type { BackendChoice } from '../engine/backend';
import { parseTarget } from '../report/target';
import { BUDGET_GRAMMAR, parseBudget } from '../config/budget';
import { showCampaigns } from './display';
import type { CliIO } from './io';
import { armList, backendChoice, dataDirOption, folderPath, nonNegativeInt, positiveInt } from './options';

/** What a command that trains (run, reproduce, sweep) takes besides the config. */
export interface TrainingOptions {
  backend: BackendChoice;
  out: string;
  dataDir?: string;
  progress: boolean;
  json: boolean;
  checkpoint: boolean;
  evalTrain?: number;
  target?: string;
}

export interface RunCommandOptions extends TrainingOptions {
  epochs?: number;
  batchSize?: number;
  seed?: number;
  limit?: number;
  arms?: string[];
  repeats?: number;
  budget?: ReturnType<typeof parseBudget>;
}

/** Checks --budget now and turns it into the config's budget block. */
export function budgetValue(value: string): ReturnType<typeof parseBudget> {
  try {
    return parseBudget(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--budget "[^"]*": /, ''));
  }
}

/** Checks --target now, so a typo fails before hours of training rather than after. */
function targetValue(value: string): string {
  try {
    parseTarget(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message.replace(/^--target "[^"]*": /, ''));
  }
  return value;
}

/** The options of every command that trains and reports, one definition each. */
export function addTrainingOptions(cmd: Command, outHelp = 'results folder'): Command {
  return cmd
    .option('--backend <name>', 'tfjs backend: auto, tensorflow, wasm or cpu', backendChoice, 'auto')
    .option('--out <dir>', outHelp, folderPath, 'results')
    .addOption(dataDirOption())
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--no-checkpoint', 'do not save per-epoch checkpoints (the run cannot be resumed)')
    .option('--eval-train <n>', 'measure every arm on a fixed subset of N training samples at each epoch end (train_eval_* columns)', positiveInt)
    .addOption(new Option('--target <metric=value>', "time-to-target goal, e.g. val_accuracy=0.98, train_loss=0.02 or (a regression) val_mae=0.1 (default: the uniform arm's best val_loss)").argParser(targetValue))
    .option('--json', 'print the final summary as JSON on stdout (logs go to stderr)', false);
}

/** `addTrainingOptions` plus the config overrides of `run` and `reproduce` (`--budget` only where a budget makes sense). */
export function addRunOptions(cmd: Command, options: { budget?: boolean } = {}): Command {
  if (options.budget !== false) {
    cmd.addOption(new Option('--budget <budget>', `train every arm to the same budget instead of a number of epochs: ${BUDGET_GRAMMAR}`).argParser(budgetValue));
  }
  return addTrainingOptions(
    cmd
      .option('--epochs <n>', 'number of epochs (overrides the config)', positiveInt)
      .option('--batch-size <n>', 'batch size b (overrides the config)', positiveInt)
      .option('--seed <n>', 'random seed: initial weights, dropout and data selection', nonNegativeInt)
      .option('--limit <n>', 'use only the first N training samples (quick runs)', positiveInt)
      .option('--arms <a,b>', 'run only these arms (comma-separated names)', armList)
      .option('--repeats <n>', 'run with N seeds (seed, seed+1, ...) and report mean ± 95% CI', positiveInt),
  );
}

/** The campaign options a training command's flags stand for. */
export function campaignOptions(opts: TrainingOptions & { repeats?: number }) {
  return {
    backend: opts.backend,
    out: opts.out,
    dataDir: opts.dataDir,
    checkpoint: opts.checkpoint,
    evalTrain: opts.evalTrain,
    target: opts.target,
    repeats: opts.repeats,
  };
}

/** `is-bench <experiment>` / `is-bench run <file>`. */
export async function runCommand(ref: string, opts: RunCommandOptions, io: CliIO): Promise<number> {
  const { config, file, warnings } = loadExperiment(ref, { epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed, limit: opts.limit, arms: opts.arms, budget: opts.budget });
  for (const w of warnings) io.stderr.write(`is-bench: warning: ${w}\n`);
  return showCampaigns(opts, io, async (events, shouldStop) => [
    await runCampaign(config, { ...campaignOptions(opts), configSource: displayPath(file), events, shouldStop }),
  ]);
}
