/**
 * The figures of a report, computed from a group of runs: per arm and seed, time and cost to a
 * target, speedups against the baseline arm, epoch-time ratio against the cost model, best
 * and final validation metrics; then mean ± 95% CI over the seeds.
 */
import type { EpochRecord } from '../spec';
import type { RunGroup } from './merge';
import { bestValue, finalValue, lowerIsBetter, meanValue, validationMetric, type ValidationMetric } from './metrics';
import { meanCI, type SampleStat } from './stats';
import type { TargetMetric } from '../config/expectation';
import { makeTarget, timeToTarget, type Target, type TargetHit } from './target';

/** One arm in one run (seed). */
export interface ArmSeedResult {
  seed: number;
  runId: string;
  status: string;
  records: EpochRecord[];
  /** Where this arm first reached the target; null = never reached. */
  hit: TargetHit | null;
  /** Where the baseline arm of the same run reached it. */
  baselineHit: TargetHit | null;
  /** Reference time / this arm's time to the target; null unless both reached it. */
  speedupTime: number | null;
  speedupCost: number | null;
  meanEpochTimeS: number;
  meanCostPerEpoch: number;
  /** Mean epoch time / the baseline arm's (same run): the measured cost of an epoch. */
  epochTimeRatio: number;
  /** Mean cost units per epoch / the baseline arm's: what the cost model predicts for that ratio. */
  costRatio: number;
  bestValLoss: number;
  bestValAccuracy: number;
  finalValLoss: number;
  finalValAccuracy: number;
  /** A regression's validation mean absolute error; NaN for a classification. */
  bestValMae: number;
  finalValMae: number;
  finalLoss: number;
  finalAccuracy: number;
  epochs: number;
  wallTimeS: number;
}

/** One arm over all seeds. */
export interface ArmAnalysis {
  name: string;
  strategy: string;
  isBaseline: boolean;
  seeds: ArmSeedResult[];
  /** Seeds in which this arm reached the target / seeds with this arm. */
  reached: number;
  total: number;
  /** Over seeds where the arm reached the target. */
  timeToTarget: SampleStat;
  costToTarget: SampleStat;
  /** Over seeds where both this arm and the baseline reached it. */
  speedupTime: SampleStat;
  speedupCost: SampleStat;
  epochTimeRatio: SampleStat;
  costRatio: SampleStat;
  meanEpochTimeS: SampleStat;
  bestValLoss: SampleStat;
  bestValAccuracy: SampleStat;
  finalValLoss: SampleStat;
  finalValAccuracy: SampleStat;
  bestValMae: SampleStat;
  finalValMae: SampleStat;
  finalLoss: SampleStat;
  finalAccuracy: SampleStat;
  epochs: SampleStat;
  wallTimeS: SampleStat;
}

export interface ExperimentAnalysis {
  group: RunGroup;
  target: Target;
  baselineArm: string;
  arms: ArmAnalysis[];
  /** What the report shows beside val_loss: val_mae for a regression's records, else val_accuracy. */
  valMetric: ValidationMetric;
  seeds: number[];
  warnings: string[];
}

export interface AnalyzeOptions {
  /** A target given by the user; default: the baseline arm's best val_loss. */
  target?: Target;
}

/** Records of an arm in every run of the group that has it, with the run's seed. */
export function armRecordsBySeed(group: RunGroup, armName: string): { seed: number; runId: string; status: string; records: EpochRecord[] }[] {
  const out: { seed: number; runId: string; status: string; records: EpochRecord[] }[] = [];
  for (const run of group.runs) {
    const arm = run.arms.find((a) => a.name === armName);
    if (arm) out.push({ seed: run.summary.seed, runId: run.summary.runId, status: arm.status, records: arm.records });
  }
  return out;
}

/**
 * The default target for a metric: the baseline arm's best value. With several seeds, the
 * least strict of the per-seed bests (the largest best loss, the smallest best accuracy), so
 * that the baseline arm reaches the one shared target in every seed.
 */
export function defaultTarget(group: RunGroup, metric: TargetMetric = 'val_loss'): Target {
  const bests = armRecordsBySeed(group, group.baselineArm)
    .map((r) => bestValue(r.records, metric))
    .filter((v) => Number.isFinite(v));
  const value = bests.length === 0 ? NaN : lowerIsBetter(metric) ? Math.max(...bests) : Math.min(...bests);
  const origin =
    bests.length > 1
      ? `${group.baselineArm}'s best ${metric}, the least strict over ${bests.length} seeds`
      : `${group.baselineArm}'s best ${metric}`;
  return makeTarget(metric, value, origin);
}

/** Per-seed time/cost to a target for one arm, with the baseline arm's in the same run. */
export function speedupsToTarget(group: RunGroup, armName: string, target: Target): {
  perSeed: { seed: number; hit: TargetHit | null; baselineHit: TargetHit | null; speedupTime: number | null; speedupCost: number | null }[];
  time: SampleStat;
  cost: SampleStat;
  reached: number;
  total: number;
} {
  const perSeed = group.runs.flatMap((run) => {
    const arm = run.arms.find((a) => a.name === armName);
    if (!arm) return [];
    const ref = run.arms.find((a) => a.name === group.baselineArm);
    const hit = timeToTarget(arm.records, target, arm.name);
    const baselineHit = ref ? timeToTarget(ref.records, target, ref.name) : null;
    const both = hit !== null && baselineHit !== null;
    return [
      {
        seed: run.summary.seed,
        hit,
        baselineHit,
        speedupTime: both ? ratio(baselineHit.wallTimeS, hit.wallTimeS) : null,
        speedupCost: both ? ratio(baselineHit.costUnits, hit.costUnits) : null,
      },
    ];
  });
  return {
    perSeed,
    time: meanCI(perSeed.map((s) => s.speedupTime ?? NaN)),
    cost: meanCI(perSeed.map((s) => s.speedupCost ?? NaN)),
    reached: perSeed.filter((s) => s.hit !== null).length,
    total: perSeed.length,
  };
}

/** Every figure of the report for one group of runs. */
export function analyzeGroup(group: RunGroup, options: AnalyzeOptions = {}): ExperimentAnalysis {
  const target = options.target ?? defaultTarget(group, 'val_loss');
  const warnings = [...group.warnings];
  if (!Number.isFinite(target.value)) {
    warnings.push(`no target: the baseline arm ${group.baselineArm} has no finished epoch with ${target.metric}`);
  }
  const arms = group.armNames.map((name) => analyzeArm(group, name, target));
  return {
    group,
    target,
    baselineArm: group.baselineArm,
    arms,
    valMetric: validationMetric(arms.flatMap((a) => a.seeds.map((s) => s.records))),
    seeds: group.runs.map((r) => r.summary.seed),
    warnings,
  };
}

function analyzeArm(group: RunGroup, name: string, target: Target): ArmAnalysis {
  const speedups = speedupsToTarget(group, name, target);
  const seeds: ArmSeedResult[] = [];
  // speedups.perSeed has one entry per run that has this arm, in group.runs order.
  const runsWithArm = group.runs.filter((run) => run.arms.some((a) => a.name === name));
  for (const [i, run] of runsWithArm.entries()) {
    const arm = run.arms.find((a) => a.name === name)!;
    const ref = run.arms.find((a) => a.name === group.baselineArm);
    const s = speedups.perSeed[i];
    const records = arm.records;
    const meanEpochTimeS = meanValue(records, 'epoch_time_s');
    const meanCostPerEpoch = meanValue(records, 'cost_units');
    const refRecords = ref?.records ?? [];
    seeds.push({
      seed: run.summary.seed,
      runId: run.summary.runId,
      status: arm.status,
      records,
      hit: s?.hit ?? null,
      baselineHit: s?.baselineHit ?? null,
      speedupTime: s?.speedupTime ?? null,
      speedupCost: s?.speedupCost ?? null,
      meanEpochTimeS,
      meanCostPerEpoch,
      epochTimeRatio: ratio(meanEpochTimeS, meanValue(refRecords, 'epoch_time_s')),
      costRatio: ratio(meanCostPerEpoch, meanValue(refRecords, 'cost_units')),
      bestValLoss: bestValue(records, 'val_loss'),
      bestValAccuracy: bestValue(records, 'val_accuracy'),
      finalValLoss: finalValue(records, 'val_loss'),
      finalValAccuracy: finalValue(records, 'val_accuracy'),
      bestValMae: bestValue(records, 'val_mae'),
      finalValMae: finalValue(records, 'val_mae'),
      finalLoss: finalValue(records, 'loss'),
      finalAccuracy: finalValue(records, 'accuracy'),
      epochs: records.length,
      wallTimeS: finalValue(records, 'wall_time_s'),
    });
  }
  const stat = (f: (s: ArmSeedResult) => number) => meanCI(seeds.map(f));
  return {
    name,
    strategy: group.strategies[name],
    isBaseline: name === group.baselineArm,
    seeds,
    reached: speedups.reached,
    total: speedups.total,
    timeToTarget: stat((s) => s.hit?.wallTimeS ?? NaN),
    costToTarget: stat((s) => s.hit?.costUnits ?? NaN),
    speedupTime: speedups.time,
    speedupCost: speedups.cost,
    epochTimeRatio: stat((s) => s.epochTimeRatio),
    costRatio: stat((s) => s.costRatio),
    meanEpochTimeS: stat((s) => s.meanEpochTimeS),
    bestValLoss: stat((s) => s.bestValLoss),
    bestValAccuracy: stat((s) => s.bestValAccuracy),
    finalValLoss: stat((s) => s.finalValLoss),
    finalValAccuracy: stat((s) => s.finalValAccuracy),
    bestValMae: stat((s) => s.bestValMae),
    finalValMae: stat((s) => s.finalValMae),
    finalLoss: stat((s) => s.finalLoss),
    finalAccuracy: stat((s) => s.finalAccuracy),
    epochs: stat((s) => s.epochs),
    wallTimeS: stat((s) => s.wallTimeS),
  };
}

function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN;
}
