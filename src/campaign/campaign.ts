/**
 * The library's entry points for training: a run (with --repeats, a group of seeds), resume, a
 * sweep shard and the reproductions of the reference page. Each checks everything it can before
 * training (`preflight`), trains, writes the report, and returns one `CampaignResult`; the CLI
 * only parses options, shows progress and prints what comes back.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadExperiment, type ConfigOverrides } from '../config/load';
import type { ExperimentConfig } from '../config/schema';
import { cellExperiment, loadSweep, parseShard, shardCells, sweepCells } from '../config/sweep';
import type { BackendChoice } from '../engine/backend';
import { EXIT, UserError } from '../errors';
import { entryExists, pathInside } from '../io/inside';
import { RunOutput } from '../record/run-output';
import { readRunSummary } from '../record/run-summary';
import { REFERENCE_SETUP_NAMES, type ReferenceSetupName } from '../report/reference-data';
import { reportRunDirs, type ReportOptions, type ReportResult } from '../report/report';
import { silentEvents, type RunEvents } from '../spec';
import { resumeExperiment, runExperiment, type RunOptions, type RunResult, type Workload } from '../train/experiment';
import { preflight } from './preflight';
import { isRepeatsGroup, MAX_REPEATS, readRepeatsGroup, seedFolder, writeRepeatsGroup } from './repeats-group';

/** How a campaign trains and reports; everything but `backend` and `out` has a default. */
export interface CampaignOptions {
  backend: BackendChoice;
  /** Results folder; runs go to `<out>/<experiment>/<run-id>/`. */
  out: string;
  dataDir?: string;
  /** Save per-epoch checkpoints so `resume` can continue (default true). */
  checkpoint?: boolean;
  /** Measure every arm on a fixed subset of N training samples at each epoch end. */
  evalTrain?: number;
  /** Time-to-target goal, `metric=value` (default: the baseline arm's best val_loss). */
  target?: string;
  /** Seeds seed, seed+1, ... in one group folder. */
  repeats?: number;
  /** Marks the runs as shortened; verdicts say so. */
  quick?: boolean;
  /** Render the SVG plots (default true). */
  plots?: boolean;
  events?: RunEvents;
  /** Polled between steps: true stops the campaign after the current step. */
  shouldStop?: () => boolean;
  /** For tests: a fixed start date (run ids are timestamps). */
  now?: Date;
  /** Train on this dataset and these models instead of the config's (the library's `compare`). */
  workload?: Workload;
  /** The config's file, named by errors only the dataset reveals (batchSize above the training set, ...). */
  configSource?: string;
}

export type CampaignStatus = 'finished' | 'interrupted' | 'diverged';

export interface CampaignResult {
  runs: RunResult[];
  /** The folder the campaign's runs live in and its report goes to (a run, a repeats group, a sweep). */
  dir: string;
  /** Undefined when no arm finished an epoch (nothing to report). */
  report?: ReportResult;
  status: CampaignStatus;
  expectationsFailed: boolean;
  /** Whether checkpoints were saved, i.e. whether `is-bench resume <dir>` can continue it. */
  resumable: boolean;
}

function runOptions(o: CampaignOptions): Omit<RunOptions, 'outDir'> {
  return {
    backend: o.backend,
    events: o.events,
    shouldStop: o.shouldStop,
    checkpoint: o.checkpoint,
    evalTrain: o.evalTrain,
    quick: o.quick,
    dataDir: o.dataDir,
    now: o.now,
    workload: o.workload,
    configSource: o.configSource,
  };
}

function statusOf(runs: readonly RunResult[]): CampaignStatus {
  if (runs.some((r) => r.summary.status === 'interrupted')) return 'interrupted';
  if (runs.some((r) => r.summary.status === 'diverged')) return 'diverged';
  return 'finished';
}

/** Reports the campaign's folder once something finished; the result the CLI and library callers get. */
async function finish(runs: RunResult[], dir: string, o: CampaignOptions, report: Omit<ReportOptions, 'target' | 'plots'> = {}): Promise<CampaignResult> {
  const finishedEpochs = runs.some((r) => r.summary.arms.some((a) => a.epochsCompleted > 0));
  const result = finishedEpochs ? await reportRunDirs([dir], { ...report, target: o.target, plots: o.plots, quick: o.quick || report.quick }) : undefined;
  return {
    runs,
    dir,
    report: result,
    status: statusOf(runs),
    expectationsFailed: result?.expectationsFailed ?? false,
    // budgeted runs keep no checkpoints: their arms stop inside epochs
    resumable: o.checkpoint !== false && runs.every((r) => !r.summary.config.budget),
  };
}

/**
 * Runs an experiment: once, or `repeats` times with seeds seed, seed+1, ... into
 * `<out>/<experiment>/<run-id>/seed-<s>/`, then reports.
 */
export async function runCampaign(config: ExperimentConfig, options: CampaignOptions, report: Omit<ReportOptions, 'target' | 'plots'> = {}): Promise<CampaignResult> {
  preflight([config], options);
  const repeats = options.repeats ?? 1;
  if (!Number.isSafeInteger(repeats) || repeats < 1 || repeats > MAX_REPEATS) throw new UserError(`--repeats ${repeats}: expected a whole number from 1 to ${MAX_REPEATS}`);
  const common = runOptions(options);
  if (repeats === 1) {
    const run = await runExperiment(config, { ...common, outDir: options.out });
    return finish([run], run.dir, options, report);
  }
  const group = RunOutput.create(options.out, config.name, options.now);
  const seeds = Array.from({ length: repeats }, (_, i) => config.seed + i);
  writeRepeatsGroup(group.dir, { tool: 'is-bench', kind: 'repeats', experiment: config.name, seeds, config, evalTrain: options.evalTrain, quick: options.quick, checkpoint: options.checkpoint !== false });
  return continueRepeats(group.dir, config, seeds, options, report);
}

/** Runs (or resumes) every seed of a group that has not finished, in order, then reports the group. */
async function continueRepeats(dir: string, config: ExperimentConfig, seeds: number[], options: CampaignOptions, report: Omit<ReportOptions, 'target' | 'plots'>): Promise<CampaignResult> {
  const events = options.events ?? silentEvents;
  const common = runOptions(options);
  const runs: RunResult[] = [];
  for (const [i, seed] of seeds.entries()) {
    const runDir = seedFolder(dir, seed);
    const existing = entryExists(path.join(runDir, 'summary.json')) ? readRunSummary(runDir) : undefined;
    events.log(`Repeat ${i + 1}/${seeds.length}: seed ${seed}${existing ? ` (${existing.status})` : ''}`);
    if (existing?.status === 'finished') continue;
    const run = existing
      ? await resumeExperiment(runDir, common)
      : await runExperiment({ ...config, seed }, { ...common, outDir: options.out, runDir });
    runs.push(run);
    if (run.summary.status === 'interrupted') break;
  }
  return finish(runs, dir, options, report);
}

/**
 * Continues an interrupted run from each arm's last checkpoint, or every unfinished seed of a
 * repeats group (and the seeds that never started), in the same folder.
 */
export async function resumeCampaign(dir: string, options: Omit<CampaignOptions, 'out' | 'backend' | 'repeats'> & { backend?: BackendChoice }): Promise<CampaignResult> {
  if (isRepeatsGroup(dir)) {
    const group = readRepeatsGroup(dir);
    const backend = options.backend ?? 'auto';
    const o: CampaignOptions = { ...options, backend, out: path.dirname(path.dirname(dir)), evalTrain: group.evalTrain, quick: group.quick, checkpoint: group.checkpoint };
    return continueRepeats(dir, group.config, group.seeds, o, {});
  }
  const previous = readRunSummary(dir);
  const backend = options.backend ?? (previous.backend as BackendChoice | undefined) ?? 'auto';
  const o: CampaignOptions = { ...options, backend, out: path.dirname(path.dirname(dir)), quick: previous.quick };
  const run = await resumeExperiment(dir, runOptions(o));
  return finish([run], run.dir, o);
}

/**
 * A deterministic share of a sweep's cells (`shard` "i/n"), each cell an ordinary run in
 * `<out>/sweeps/<sweep>/<cell>/`: a finished cell is skipped and an interrupted one resumed, so
 * running a shard again continues it. Every cell's config is checked before any cell trains.
 */
export async function runSweepShard(file: string, shardText: string, options: Omit<CampaignOptions, 'repeats'>): Promise<CampaignResult> {
  const { sweep } = loadSweep(file);
  const shard = parseShard(shardText);
  const cells = shardCells(sweepCells(sweep), shard).map((cell) => ({ cell, config: cellExperiment(sweep, file, cell) }));
  const dir = path.join(options.out, 'sweeps', sweep.name);
  preflight(cells.map((c) => c.config), options, dir);
  const events = options.events ?? silentEvents;
  const common = runOptions(options);
  const runs: RunResult[] = [];
  for (const [i, { cell, config }] of cells.entries()) {
    const runDir = pathInside(dir, [cell.id], 'sweep cell folder');
    const existing = entryExists(path.join(runDir, 'summary.json')) ? readRunSummary(runDir) : undefined;
    events.log(`Cell ${i + 1}/${cells.length} of shard ${shardText} (${cell.index + 1} of the sweep): ${cell.id}`);
    if (existing?.status === 'finished') {
      events.log('  already finished; skipped');
      continue;
    }
    const run = existing ? await resumeExperiment(runDir, common) : await runExperiment(config, { ...common, configSource: `${file} (cell ${cell.id})`, outDir: options.out, runDir });
    runs.push(run);
    if (run.summary.status === 'interrupted') break;
  }
  return finish(runs, dir, options);
}

/** The reference page's setups by name; "all" (or none) means every one. */
export function reproductionSetups(names: readonly string[]): ReferenceSetupName[] {
  const wanted = !names.length || names.includes('all') ? [...REFERENCE_SETUP_NAMES] : [...new Set(names)];
  const unknown = wanted.filter((n) => !(REFERENCE_SETUP_NAMES as readonly string[]).includes(n));
  if (unknown.length) {
    throw new UserError(`reproduce: unknown setup ${unknown.map((n) => `"${n}"`).join(', ')} (setups: ${REFERENCE_SETUP_NAMES.join(', ')}, or all)`);
  }
  return wanted as ReferenceSetupName[];
}

/** A quick run's shortening: the config's `reference.quick`, else 2 epochs. */
function quickOverrides(reference: Record<string, unknown> | undefined): { epochs: number; limit?: number } {
  const q = (reference?.['quick'] ?? {}) as { epochs?: number; limit?: number };
  return { epochs: q.epochs ?? 2, limit: q.limit };
}

/**
 * Runs the reference page's setups one after the other, each reported with its verdicts; stops
 * at the first interrupted one. `overrides` apply on top (a quick run's shortening under them).
 */
export async function reproduce(names: readonly string[], options: CampaignOptions, overrides: ConfigOverrides = {}): Promise<CampaignResult[]> {
  const setups = reproductionSetups(names);
  const configs = setups.map((name) => {
    const quick: { epochs?: number; limit?: number } = options.quick ? quickOverrides(loadExperiment(name).config.reference) : {};
    return { name, config: loadExperiment(name, { ...overrides, epochs: overrides.epochs ?? quick.epochs, limit: overrides.limit ?? quick.limit }).config };
  });
  preflight(configs.map((c) => c.config), options);
  const results: CampaignResult[] = [];
  for (const { name, config } of configs) {
    const result = await runCampaign(config, options, { reproduce: name, quick: options.quick });
    results.push(result);
    if (result.status === 'interrupted') break;
  }
  return results;
}

/**
 * The exit code of campaigns: interrupted 130 (SIGINT) / 143 (SIGTERM), an arm diverged 4, an
 * expectation failed 3, else 0. A stop signal that came after the last epoch (while the report
 * was written) still gives 130/143: the process was asked to stop, and a scheduler reads that.
 */
export function campaignExitCode(results: readonly CampaignResult[], signal?: NodeJS.Signals): number {
  if (signal !== undefined || results.some((r) => r.status === 'interrupted')) return signal === 'SIGTERM' ? EXIT.sigterm : EXIT.sigint;
  if (results.some((r) => r.status === 'diverged')) return EXIT.diverged;
  if (results.some((r) => r.expectationsFailed)) return EXIT.expectationFailed;
  return EXIT.ok;
}
