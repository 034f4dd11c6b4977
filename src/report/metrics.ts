/**
 * Reading a named metric out of an epoch record, and which way is better.
 */
import { EPOCH_COLUMNS, type EpochRecord } from '../spec';

/**
 * Metric names reports accept. `train_loss` / `train_accuracy` are the `--eval-train` columns
 * (`train_eval_loss`, `train_eval_accuracy`): every arm measured the same way on a fixed
 * training subset. `loss` / `accuracy` are the Keras columns, which for an importance arm are
 * weighted estimates on the sampled batches, not comparable across arms.
 */
export const METRIC_ALIASES: Record<string, string> = {
  train_loss: 'train_eval_loss',
  train_accuracy: 'train_eval_accuracy',
};

const FIXED = new Set<string>(EPOCH_COLUMNS);

/** The CSV column a metric name reads. */
export function metricColumn(metric: string): string {
  return METRIC_ALIASES[metric] ?? metric;
}

/** The value of a metric (or any column) in a record; undefined when the record has no such column. */
export function metricValue(record: EpochRecord, metric: string): number | undefined {
  const column = metricColumn(metric);
  if (FIXED.has(column)) return (record as unknown as Record<string, number>)[column];
  return Object.prototype.hasOwnProperty.call(record.extra, column) ? record.extra[column] : undefined;
}

/** Whether the records carry a metric at all (the column exists). */
export function hasMetric(records: readonly EpochRecord[], metric: string): boolean {
  return records.length > 0 && records.every((r) => metricValue(r, metric) !== undefined);
}

/** Losses and mean absolute errors are better low; everything else (accuracies) high. */
export function lowerIsBetter(metric: string): boolean {
  return /(loss|mae)$/.test(metricColumn(metric));
}

/** The validation metric a report shows beside val_loss. */
export type ValidationMetric = 'val_accuracy' | 'val_mae';

/**
 * val_mae when the records are a regression's (every record has a val_mae column and no
 * val_accuracy value: the CSV leaves accuracy empty for a regression), else val_accuracy.
 */
export function validationMetric(recordSets: readonly (readonly EpochRecord[])[]): ValidationMetric {
  const records = recordSets.flat();
  const regression = records.length > 0 && records.every((r) => metricValue(r, 'val_mae') !== undefined && !Number.isFinite(r.val_accuracy));
  return regression ? 'val_mae' : 'val_accuracy';
}

/** The best value over the epochs (min for losses, max otherwise); NaN when there is none. */
export function bestValue(records: readonly EpochRecord[], metric: string): number {
  const values = records.map((r) => metricValue(r, metric)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (values.length === 0) return NaN;
  return lowerIsBetter(metric) ? Math.min(...values) : Math.max(...values);
}

/** The value at the last epoch; NaN when there is none. */
export function finalValue(records: readonly EpochRecord[], metric: string): number {
  const last = records[records.length - 1];
  const value = last === undefined ? undefined : metricValue(last, metric);
  return value === undefined ? NaN : value;
}

/** Mean of a column over the epochs (finite values only); NaN when there is none. */
export function meanValue(records: readonly EpochRecord[], metric: string): number {
  const values = records.map((r) => metricValue(r, metric)).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
