/**
 * Merging run folders of one experiment (repeats with different seeds, or a sweep's shards)
 * into groups: one group per experiment configuration, its runs ordered by seed.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import type { RunFolder } from './run-folder';

/** Runs of the same experiment and configuration (seed aside), ordered by seed then run id. */
export interface RunGroup {
  /** Stable id of the configuration: experiment name + hash of the config without its seed. */
  key: string;
  experiment: string;
  runs: RunFolder[];
  /** Every arm name seen, in config order. */
  armNames: string[];
  /** The arm speedups are measured against: the baseline arm (its strategy says it is one), else the first arm. */
  baselineArm: string;
  /** Strategy of each arm. */
  strategies: Record<string, string>;
  warnings: string[];
}

/** Config fields that differ between repeats/shards of one configuration. */
const PER_RUN_CONFIG_FIELDS = new Set(['seed', 'repeats', 'shard']);

/**
 * Groups runs by experiment and configuration (seed, repeats, shard and dataset path aside), so repeats and
 * shards of the same cell merge and different cells of a sweep stay apart. The order of the
 * groups is that of their first run in `runs`; inside a group runs are sorted by seed, so the
 * result does not depend on the order folders were given in.
 */
export function groupRuns(runs: readonly RunFolder[]): RunGroup[] {
  const byKey = new Map<string, RunFolder[]>();
  const seen = new Set<string>();
  for (const run of runs) {
    const id = path.resolve(run.dir);
    if (seen.has(id)) continue;
    seen.add(id);
    const key = groupKey(run);
    const list = byKey.get(key) ?? [];
    list.push(run);
    byKey.set(key, list);
  }
  return [...byKey.entries()].map(([key, list]) => makeGroup(key, list));
}

function makeGroup(key: string, unsorted: RunFolder[]): RunGroup {
  const runs = [...unsorted].sort(
    (a, b) => a.summary.seed - b.summary.seed || a.summary.runId.localeCompare(b.summary.runId),
  );
  const armNames: string[] = [];
  const strategies: Record<string, string> = {};
  let baseline: string | undefined;
  for (const run of runs) {
    for (const arm of run.arms) {
      if (!armNames.includes(arm.name)) {
        armNames.push(arm.name);
        strategies[arm.name] = arm.strategy;
      }
      if (baseline === undefined && arm.summary?.baseline) baseline = arm.name;
    }
  }
  const baselineArm = baseline ?? armNames[0] ?? '';
  const warnings: string[] = [];
  const seeds = runs.map((r) => r.summary.seed);
  const repeated = [...new Set(seeds.filter((s, i) => seeds.indexOf(s) !== i))];
  if (repeated.length > 0) {
    warnings.push(`seed ${repeated.join(', ')} appears in more than one run folder; each run is counted as a sample`);
  }
  for (const run of runs) {
    const missing = armNames.filter((n) => !run.arms.some((a) => a.name === n));
    if (missing.length > 0) warnings.push(`run ${run.summary.runId} (seed ${run.summary.seed}) has no arm ${missing.join(', ')}`);
    if (run.summary.status !== 'finished') warnings.push(`run ${run.summary.runId} (seed ${run.summary.seed}) is ${run.summary.status}; its finished epochs are used`);
  }
  return { key, experiment: runs[0].summary.experiment, runs, armNames, baselineArm, strategies, warnings };
}

/** experiment name + short hash of the config without per-run fields. */
export function groupKey(run: RunFolder): string {
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(run.summary.config)) if (!PER_RUN_CONFIG_FIELDS.has(k)) config[k] = v;
  // Where the dataset was found is a fact of the machine, not of the experiment (shards may differ).
  if (config.dataset !== null && typeof config.dataset === 'object') {
    const { path: _path, ...dataset } = config.dataset as Record<string, unknown>;
    config.dataset = dataset;
  }
  const hash = createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, 10);
  return `${run.summary.experiment}#${hash}`;
}

/** JSON with object keys sorted, so equal configs give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
