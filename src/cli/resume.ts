import type { Command } from 'commander';
import { resumeCampaign } from '../campaign/campaign';
import type { BackendChoice } from '../engine/backend';
import { showCampaigns } from './display';
import type { CliIO } from './io';
import { backendChoice, dataDirOption } from './options';

export interface ResumeOptions {
  backend?: BackendChoice;
  dataDir?: string;
  progress: boolean;
  json: boolean;
}

export function addResumeCommand(program: Command, io: CliIO, result: { code: number }): void {
  program
    .command('resume')
    .description('continue an interrupted or preempted run from the last finished epoch of each arm (a --repeats group: every unfinished seed)')
    .argument('<run-dir>', 'the run folder, results/<experiment>/<run-id>, or a --repeats group folder')
    .option('--backend <name>', 'tfjs backend (default: the one the run used)', backendChoice)
    .addOption(dataDirOption())
    .option('--no-progress', 'plain lines instead of progress bars')
    .option('--json', 'print the final summary as JSON on stdout (logs go to stderr)', false)
    .action(async (runDir: string, opts: ResumeOptions) => {
      result.code = await showCampaigns(opts, io, async (events, shouldStop) => [
        await resumeCampaign(runDir, { backend: opts.backend, dataDir: opts.dataDir, events, shouldStop }),
      ]);
    });
}
