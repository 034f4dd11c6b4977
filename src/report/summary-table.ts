import type { RunSummary } from './run-summary';

/** Left-aligned first column, right-aligned numbers. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const f4 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(4));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(2));

/** The reference (baseline) arm: the first uniform arm, else the first arm. */
export function baselineArm<T extends { strategy: string }>(arms: T[]): T | undefined {
  return arms.find((a) => a.strategy === 'uniform') ?? arms[0];
}

/**
 * The side-by-side table printed at the end of a run: final and best val metrics, time,
 * time per epoch, time and cost against the uniform arm, and the cost model's ratio.
 */
export function summaryTable(s: RunSummary): string {
  const base = baselineArm(s.arms);
  const basePerEpoch = base && base.epochsCompleted ? base.totals.time_s / base.epochsCompleted : undefined;
  const baseCost = base && base.epochsCompleted ? base.totals.cost_units / base.epochsCompleted : undefined;
  const rows = s.arms.map((a) => {
    const perEpoch = a.epochsCompleted ? a.totals.time_s / a.epochsCompleted : undefined;
    const costPerEpoch = a.epochsCompleted ? a.totals.cost_units / a.epochsCompleted : undefined;
    return [
      a.name,
      a.strategy,
      a.status,
      String(a.epochsCompleted),
      f4(a.final?.val_loss),
      f4(a.final?.val_accuracy),
      f4(a.best?.val_loss),
      f4(a.best?.val_accuracy),
      f2(a.totals.time_s),
      f2(perEpoch),
      perEpoch !== undefined && basePerEpoch ? f2(perEpoch / basePerEpoch) : '-',
      costPerEpoch !== undefined && baseCost ? f2(costPerEpoch / baseCost) : '-',
      a.costModelRatio !== undefined ? f2(a.costModelRatio) : '-',
    ];
  });
  const table = textTable(
    ['arm', 'strategy', 'status', 'epochs', 'val_loss', 'val_acc', 'best_val_loss', 'best_val_acc', 'time_s', 's/epoch', 'time_ratio', 'cost_ratio', 'cost_model'],
    rows,
  );
  const notes = [
    `time_ratio and cost_ratio: per epoch, against ${base ? `the "${base.name}" arm` : 'the first arm'}; cost = forward + 2 x backward samples; cost_model = (B + 3b) / 3b for upper-bound arms.`,
  ];
  if (s.arms.some((a) => a.strategy !== 'uniform')) {
    notes.push('The accuracy/loss columns of a non-uniform arm are measured on its sampled (hard, reweighted) batches; compare arms by val_*.');
  }
  return `${table}\n\n${notes.join('\n')}`;
}
