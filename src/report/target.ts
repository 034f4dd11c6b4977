/**
 * Targets ("val_loss <= 0.0720") and the wall-clock time / cost units at which an arm first
 * reaches one.
 *
 * Granularity: a target is checked at epoch ends only, where metrics are measured; the time
 * reported is the arm's own clock (`wall_time_s`) at the end of the first epoch that meets it.
 * No interpolation between epochs: the metric was not measured in between, and an
 * interpolated time would claim a precision the run does not have.
 */
import { TARGET_METRICS, type TargetMetric } from '../config/expectation';
import { UserError } from '../errors';
import type { EpochRecord } from '../spec';
import { kerasNumber } from '../record/format';
import { hasMetric, lowerIsBetter, metricColumn, metricValue, validationMetric } from './metrics';

export interface Target {
  metric: TargetMetric;
  value: number;
  /** Losses and val_mae are reached at or below the value, accuracies at or above. */
  direction: '<=' | '>=';
  /** Where the value came from, for the report ("uniform's best val_loss", "--target"). */
  origin: string;
}

/** A target for a metric and value; the direction follows the metric. */
export function makeTarget(metric: TargetMetric, value: number, origin: string): Target {
  return { metric, value, direction: lowerIsBetter(metric) ? '<=' : '>=', origin };
}

/** Parses `--target val_accuracy=0.98`. */
export function parseTarget(text: string): Target {
  const match = /^\s*([a-z_]+)\s*=\s*([-+0-9.eE]+)\s*$/.exec(text);
  const metric = match?.[1];
  const value = match ? Number(match[2]) : NaN;
  if (!match || !(TARGET_METRICS as readonly string[]).includes(metric!) || !Number.isFinite(value)) {
    throw new UserError(
      `--target "${text}": expected <metric>=<number> with metric one of ${TARGET_METRICS.join(', ')} (e.g. --target val_accuracy=0.98)`,
    );
  }
  return makeTarget(metric as TargetMetric, value, '--target');
}

/** "val_loss <= 0.0720". */
export function describeTarget(target: Target): string {
  return `${target.metric} ${target.direction} ${formatMetric(target.value)}`;
}

/** Metric values as Keras prints them (4 decimals; below 1e-3 as 9.4248e-04); "n/a" for NaN. */
export function formatMetric(value: number): string {
  return Number.isFinite(value) ? kerasNumber(value) : 'n/a';
}

/** Where an arm first reached a target. */
export interface TargetHit {
  epoch: number;
  /** The arm's own clock at the end of that epoch. */
  wallTimeS: number;
  /** Cost units summed over epochs 1..epoch. */
  costUnits: number;
  /** Training steps summed over epochs 1..epoch. */
  steps: number;
  value: number;
}

/**
 * The first epoch end at which the records meet the target, or null ("never reached").
 * `cost_units` and `steps` are per-epoch columns and are summed; `wall_time_s` is already
 * cumulative. Throws a UserError when a train_* target meets records without the
 * `--eval-train` columns.
 */
export function timeToTarget(records: readonly EpochRecord[], target: Target, armName = 'arm'): TargetHit | null {
  assertTargetMeasurable(records, target, armName);
  return timeToLevel(records, target.metric, target.value, target.direction);
}

/** The first epoch end at which any column (or metric alias) meets `level`, or null. */
export function timeToLevel(records: readonly EpochRecord[], column: string, level: number, direction: '<=' | '>='): TargetHit | null {
  let cost = 0;
  let steps = 0;
  for (const record of records) {
    cost += finiteOr0(record.cost_units);
    steps += finiteOr0(record.steps);
    const value = metricValue(record, column) ?? NaN;
    const meets = Number.isFinite(value) && (direction === '<=' ? value <= level : value >= level);
    if (meets) return { epoch: record.epoch, wallTimeS: record.wall_time_s, costUnits: cost, steps, value };
  }
  return null;
}

/**
 * A train_* target needs the `--eval-train` columns in every record; val_mae is recorded only
 * by a regression, which in turn has no accuracy to reach.
 */
export function assertTargetMeasurable(records: readonly EpochRecord[], target: Target, armName: string): void {
  if (records.length === 0) return;
  if (target.metric.startsWith('train_') && !hasMetric(records, target.metric)) {
    throw new UserError(
      `target ${target.metric} needs the column ${metricColumn(target.metric)}, which arm "${armName}" did not record: ` +
        `run with --eval-train N (N training samples measured at each epoch end)`,
    );
  }
  const regression = validationMetric([records]) === 'val_mae';
  if (target.metric === 'val_mae' && !regression) {
    throw new UserError(`target val_mae: arm "${armName}" has no val_mae column, which only a regression (loss mse, mae or huber) records: use val_loss or val_accuracy`);
  }
  if (regression && /accuracy$/.test(target.metric)) {
    throw new UserError(`target ${target.metric}: arm "${armName}" is a regression, which has no accuracy: use val_mae or val_loss (e.g. --target val_mae=0.1)`);
  }
}

function finiteOr0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}
