/**
 * Budgeted runs compared at equal budget: each arm's final error against the baseline arm's,
 * paired by seed (arms of one run share initial weights and data order), as a relative
 * difference with its 95% interval; the headline in words; the error curve against the
 * fraction of the budget spent.
 */
import { budgetDependsOnMachine, budgetLabel } from '../config/budget';
import type { BudgetConfig } from '../config/schema';
import { finalError, type EqualBudgetEntry } from '../record/run-summary';
import type { EpochRecord } from '../spec';
import type { ExperimentAnalysis } from './analysis';
import type { CurveChart, CurvePoint } from './plot-specs';
import { meanCI, pairedRelativeDifference, type RelativeDifference } from './stats';

export interface EqualBudgetComparison {
  arm: string;
  baseline: string;
  budget: string;
  metric: EqualBudgetEntry['metric'];
  difference: RelativeDifference;
  /** Seeds of the arm (whether or not they finished the budget). */
  seeds: number;
}

/** The budget of a group's runs (they share a configuration), if they are budgeted. */
export function groupBudget(analysis: ExperimentAnalysis): BudgetConfig | undefined {
  return analysis.group.runs[0]?.summary.config.budget;
}

/** Error on the separate test split when every final row of the baseline has it, else on validation. */
function errorMetric(analysis: ExperimentAnalysis): EqualBudgetEntry['metric'] {
  const base = analysis.arms.find((a) => a.isBaseline);
  const finals = (base?.seeds ?? []).map((s) => s.records[s.records.length - 1]).filter((r): r is EpochRecord => r !== undefined);
  return finals.length > 0 && finals.every((r) => r.extra.test_accuracy !== undefined) ? 'test_error' : 'val_error';
}

/** Every non-baseline arm against the baseline at the end of the budget; empty for epoch runs. */
export function equalBudgetComparisons(analysis: ExperimentAnalysis): EqualBudgetComparison[] {
  const budget = groupBudget(analysis);
  const base = analysis.arms.find((a) => a.isBaseline);
  if (!budget || !base) return [];
  const metric = errorMetric(analysis);
  const finished = (s: { status: string; records: EpochRecord[] }) => (s.status === 'finished' ? finalError(s.records, metric) : NaN);
  const baseBySeed = new Map(base.seeds.map((s) => [s.seed, finished(s)]));
  return analysis.arms
    .filter((a) => !a.isBaseline)
    .map((a) => {
      const paired = a.seeds.filter((s) => baseBySeed.has(s.seed));
      return {
        arm: a.name,
        baseline: base.name,
        budget: budgetLabel(budget),
        metric,
        difference: pairedRelativeDifference(
          paired.map((s) => finished(s)),
          paired.map((s) => baseBySeed.get(s.seed)!),
        ),
        seeds: a.seeds.length,
      };
    });
}

const percent = (v: number, digits = 2) => `${(100 * v).toFixed(digits)}%`;
const signedPercent = (v: number) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;

/**
 * e.g. "importance: test error 1.62% vs uniform 1.81% at 60 s (-10.5% relative, 95% CI -14.1% ..
 * -6.9%, 5 seeds)"; "— not significant" when the interval contains 0.
 */
export function equalBudgetHeadline(c: EqualBudgetComparison): string {
  const d = c.difference;
  const what = c.metric.replace('_', ' ');
  if (d.n === 0) return `${c.arm}: no ${what} to compare with ${c.baseline} at ${c.budget} (no seed where both spent the budget)`;
  const seeds = `${d.n} seed${d.n === 1 ? '' : 's'}${d.n < c.seeds ? ` of ${c.seeds}` : ''}`;
  const head = `${c.arm}: ${what} ${percent(d.armMean)} vs ${c.baseline} ${percent(d.baselineMean)} at ${c.budget} (${signedPercent(d.relative)} relative`;
  if (d.n === 1) return `${head}, ${seeds}, no confidence interval)`;
  const sentence = `${head}, 95% CI ${signedPercent(d.lo)} .. ${signedPercent(d.hi)}, ${seeds})`;
  return d.significant ? sentence : `${sentence} — not significant`;
}

/** The report's note on what the budget means on other machines. */
export function budgetNote(budget: BudgetConfig): string {
  return budgetDependsOnMachine(budget)
    ? `Every arm trained for ${budgetLabel(budget)} of its own clock (scoring and selection included, evaluation excluded): a wall-clock budget depends on this machine and backend, and the same config elsewhere compares different amounts of training.`
    : `Every arm trained for ${budgetLabel(budget)} of cost (forward samples + 2 x backward samples, scoring passes included): the budget means the same on every machine.`;
}

/**
 * Validation error against the fraction of the budget, one curve per arm: the mean over seeds
 * at each evaluation (the k-th row of every seed), x the mean fraction actually spent.
 */
export function budgetCurve(analysis: ExperimentAnalysis): CurveChart {
  const points: CurvePoint[] = [];
  for (const a of analysis.arms) {
    const rows = Math.max(0, ...a.seeds.map((s) => s.records.length));
    for (let k = 0; k < rows; k++) {
      const at = a.seeds.map((s) => s.records[k]).filter((r): r is EpochRecord => r !== undefined);
      const y = meanCI(at.map((r) => 1 - r.val_accuracy));
      const x = meanCI(at.map((r) => r.extra.budget_fraction ?? NaN)).mean;
      if (!Number.isFinite(x) || !Number.isFinite(y.mean)) continue;
      const band = y.n >= 2 && Number.isFinite(y.halfWidth);
      points.push({ arm: a.name, epoch: k + 1, x, y: y.mean, lo: band ? y.lo : null, hi: band ? y.hi : null, n: y.n });
    }
  }
  const budget = groupBudget(analysis);
  return {
    id: 'val-error-vs-budget',
    title: `Validation error by fraction of the budget${budget ? ` (${budgetLabel(budget)})` : ''}`,
    x: 'wall_time_s',
    xTitle: 'fraction of the budget spent',
    yTitle: 'validation error (1 - val_accuracy)',
    yLog: false,
    arms: analysis.arms.map((a) => a.name),
    bands: analysis.seeds.length > 1,
    points,
  };
}
