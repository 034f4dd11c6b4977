import type { Command } from 'commander';
import type { BackendChoice } from '../engine/backend';
import { readRunSummary, resumeExperiment } from '../train/experiment';
import type { CliIO } from './io';
import { backendChoice, dataDirOption } from './options';
import { trainAndReport } from './run';

export interface ResumeOptions {
  backend?: BackendChoice;
  dataDir?: string;
  progress: boolean;
  json: boolean;
}

export function addResumeCommand(program: Command, io: CliIO, result: { code: number }): void {
  program
    .command('resume')
    .description('continue an interrupted or preempted run from the last finished epoch of each arm')
    .argument('<run-dir>', 'the run folder, results/<experiment>/<run-id>')
    .option('--backend <name>', 'tfjs backend (default: the one the run used)', backendChoice)
    .addOption(dataDirOption())
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--json', 'print the final summary as JSON on stdout (logs go to stderr)', false)
    .action(async (runDir: string, opts: ResumeOptions) => {
      result.code = await resumeCommand(runDir, opts, io);
    });
}

/** `is-bench resume <run-dir>`. */
export async function resumeCommand(runDir: string, opts: ResumeOptions, io: CliIO): Promise<number> {
  const previous = readRunSummary(runDir);
  const backend = opts.backend ?? (previous.backend as BackendChoice);
  return trainAndReport(previous.config.arms.map((a) => a.name), opts, io, async (events, shouldStop) => {
    const run = await resumeExperiment(runDir, { backend, events, shouldStop, dataDir: opts.dataDir });
    return { runs: [run], reportDir: run.dir };
  });
}
