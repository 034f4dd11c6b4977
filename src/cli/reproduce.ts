import type { Command } from 'commander';
import { reproduce } from '../campaign/campaign';
import { REFERENCE_SETUP_NAMES } from '../report/reference-data';
import { showCampaigns } from './display';
import type { CliIO } from './io';
import { addRunOptions, campaignOptions, type RunCommandOptions } from './run';

export interface ReproduceOptions extends RunCommandOptions {
  quick: boolean;
}

export function addReproduceCommand(program: Command, io: CliIO, result: { code: number }): void {
  addRunOptions(
    program
      .command('reproduce')
      .description(`run the documented setups of the reference examples page and compare, claim by claim (${REFERENCE_SETUP_NAMES.join(', ')})`)
      .argument('[names...]', `setups to reproduce, or "all" (default all)`)
      .option('--quick', 'fewer epochs on a subset, to finish in minutes; verdicts say they come from a quick run', false),
    // the reference page's claims are about its epoch setups
    { budget: false },
  ).action(async (names: string[], opts: ReproduceOptions) => {
    const overrides = { epochs: opts.epochs, limit: opts.limit, batchSize: opts.batchSize, seed: opts.seed, arms: opts.arms };
    result.code = await showCampaigns(opts, io, (events, shouldStop) =>
      reproduce(names, { ...campaignOptions(opts), quick: opts.quick, events, shouldStop }, overrides),
    );
  });
}
