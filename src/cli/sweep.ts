import type { Command } from 'commander';
import { runSweepShard } from '../campaign/campaign';
import { showCampaigns } from './display';
import type { CliIO } from './io';
import { addTrainingOptions, campaignOptions, type TrainingOptions } from './run';

export interface SweepOptions extends TrainingOptions {
  shard: string;
}

export function addSweepCommand(program: Command, io: CliIO, result: { code: number }): void {
  addTrainingOptions(
    program
      .command('sweep')
      .description('run a sweep (experiments x parameter grid x seeds), or with --shard i/n a deterministic share of its cells')
      .argument('<file>', 'sweep config (.yaml/.json)')
      .option('--shard <i/n>', 'run only the i-th of n shares of the cells (1-based); shards partition the sweep', '1/1'),
    'results folder; cells go to <out>/sweeps/<sweep>/<cell>/',
  ).action(async (file: string, opts: SweepOptions) => {
    result.code = await showCampaigns(opts, io, async (events, shouldStop) => [
      await runSweepShard(file, opts.shard, { ...campaignOptions(opts), events, shouldStop }),
    ]);
  });
}
