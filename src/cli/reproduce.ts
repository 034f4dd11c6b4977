import type { Command } from 'commander';
import { loadExperiment } from '../config/load';
import { UserError } from '../errors';
import { REFERENCE_SETUP_NAMES, type ReferenceSetupName } from '../report/reference-data';
import type { CliIO } from './io';
import { addRunOptions, runRepeats, trainAndReport, type RunCommandOptions } from './run';

export interface ReproduceOptions extends RunCommandOptions {
  quick: boolean;
}

/** A quick run's shortening, from the config's `reference.quick`, else a few epochs on a subset. */
function quickOverrides(reference: Record<string, unknown> | undefined): { epochs: number; limit?: number } {
  const q = (reference?.['quick'] ?? {}) as { epochs?: number; limit?: number };
  return { epochs: q.epochs ?? 2, limit: q.limit };
}

export function addReproduceCommand(program: Command, io: CliIO, result: { code: number }): void {
  addRunOptions(
    program
      .command('reproduce')
      .description(`run the documented setups of the reference examples page and compare, claim by claim (${REFERENCE_SETUP_NAMES.join(', ')})`)
      .argument('[names...]', `setups to reproduce, or "all" (default all)`)
      .option('--quick', 'fewer epochs on a subset, to finish in minutes; verdicts say they come from a quick run', false),
  ).action(async (names: string[], opts: ReproduceOptions) => {
    result.code = await reproduceCommand(names, opts, io);
  });
}

/** `is-bench reproduce [name... | all]`: one run per setup, each with its side-by-side table and verdicts. */
export async function reproduceCommand(names: string[], opts: ReproduceOptions, io: CliIO): Promise<number> {
  const wanted = !names.length || names.includes('all') ? [...REFERENCE_SETUP_NAMES] : names;
  const unknown = wanted.filter((n) => !(REFERENCE_SETUP_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new UserError(`reproduce: unknown setup ${unknown.map((n) => `"${n}"`).join(', ')} (setups: ${REFERENCE_SETUP_NAMES.join(', ')}, or all)`);
  let code = 0;
  for (const name of wanted as ReferenceSetupName[]) {
    const base = loadExperiment(name).config;
    const quick: { epochs?: number; limit?: number } = opts.quick ? quickOverrides(base.reference) : {};
    const { config } = loadExperiment(name, {
      epochs: opts.epochs ?? quick.epochs,
      limit: opts.limit ?? quick.limit,
      batchSize: opts.batchSize,
      seed: opts.seed,
      arms: opts.arms,
    });
    const c = await trainAndReport(config.arms.map((a) => a.name), opts, io, async (events, shouldStop) => ({
      ...(await runRepeats(config, { ...opts, quick: opts.quick }, events, shouldStop)),
      report: { reproduce: name, quick: opts.quick },
    }));
    code = Math.max(code, c);
    if (c === 130 || c === 143) break;
  }
  return code;
}
