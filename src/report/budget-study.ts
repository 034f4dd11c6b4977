/**
 * The equal-budget study (scripts/study-budget.ts) as data: per experiment and budget, each arm's
 * final error over seeds and its paired difference from uniform; the error-vs-budget chart; and
 * verdicts on two published claims, computed from the intervals rather than written by hand.
 */
import { budgetLabel } from '../config/budget';
import type { BudgetConfig } from '../config/schema';
import { finalError } from '../record/run-summary';
import type { ExperimentAnalysis } from './analysis';
import { equalBudgetComparisons, equalBudgetHeadline, type EqualBudgetComparison } from './equal-budget';
import type { CurveChart, CurvePoint } from './plot-specs';
import { meanCI, type SampleStat } from './stats';

/** One budget of one experiment, as the study measured it. */
export interface StudyCell {
  budget: Omit<BudgetConfig, 'evaluations'>;
  /** The budget as a number on the chart's x axis (seconds, cost units or uniform epochs). */
  x: number;
  /** Final error per arm over seeds (arms that spent the whole budget). */
  errors: { arm: string; stat: SampleStat }[];
  comparisons: EqualBudgetComparison[];
}

/** A budget's size in its own unit, for the x axis. */
export function budgetSize(b: Omit<BudgetConfig, 'evaluations'>): number {
  return b.seconds ?? b.cost ?? b.uniformEpochs!;
}

/** The study's figures of one budget, from the report's analysis of its runs. */
export function studyCell(budget: Omit<BudgetConfig, 'evaluations'>, analysis: ExperimentAnalysis): StudyCell {
  const comparisons = equalBudgetComparisons(analysis);
  const metric = comparisons[0]?.metric ?? 'val_error';
  const errors = analysis.arms.map((a) => ({
    arm: a.name,
    stat: meanCI(a.seeds.map((s) => (s.status === 'finished' ? finalError(s.records, metric) : NaN))),
  }));
  return { budget, x: budgetSize(budget), errors, comparisons };
}

/** Final error against budget, one line per arm with its 95% band. */
export function studyChart(experiment: string, cells: readonly StudyCell[], unit: string): CurveChart {
  const arms = cells[0]?.errors.map((e) => e.arm) ?? [];
  const points: CurvePoint[] = cells.flatMap((c, i) =>
    c.errors
      .filter((e) => Number.isFinite(e.stat.mean))
      .map((e) => {
        const band = e.stat.n >= 2 && Number.isFinite(e.stat.halfWidth);
        return { arm: e.arm, epoch: i + 1, x: c.x, y: e.stat.mean, lo: band ? e.stat.lo : null, hi: band ? e.stat.hi : null, n: e.stat.n };
      }),
  );
  const metric = cells[0]?.comparisons[0]?.metric === 'test_error' ? 'test error' : 'validation error';
  return {
    id: `${experiment}-error-vs-budget`,
    title: `${experiment}: final ${metric} by budget (mean, 95% CI over seeds)`,
    x: 'wall_time_s',
    xTitle: `budget (${unit})`,
    yTitle: `final ${metric}`,
    yLog: false,
    arms,
    bands: cells.some((c) => c.errors.some((e) => e.stat.n >= 2)),
    points,
  };
}

/** The paper's claim: importance sampling lowers the test error by 5-17% (relative) at equal budget. */
export const PAPER_CLAIM_LOW = -0.05;

export type Verdict = 'supported' | 'contradicted' | 'inconclusive';

/**
 * The claim "at least 5% lower relative error" at one budget: supported when the whole 95%
 * interval lies below -5%; contradicted when the whole interval lies above -5% (the gain is
 * smaller than claimed, or there is a loss); inconclusive otherwise (or below 2 seeds).
 */
export function paperClaimVerdict(c: EqualBudgetComparison): Verdict {
  const d = c.difference;
  if (d.n < 2 || !Number.isFinite(d.lo) || !Number.isFinite(d.hi)) return 'inconclusive';
  if (d.hi < PAPER_CLAIM_LOW) return 'supported';
  if (d.lo > PAPER_CLAIM_LOW) return 'contradicted';
  return 'inconclusive';
}

/**
 * No Train No Gain's finding, per budget: no selection arm beats the budget-tuned uniform baseline.
 * Consistent when no arm's error is significantly lower than uniform's; otherwise the arms that are.
 */
export function noTrainNoGainVerdict(cell: StudyCell): { consistent: boolean; beatUniform: string[] } {
  const beat = cell.comparisons.filter((c) => c.difference.significant && c.difference.hi < 0).map((c) => c.arm);
  return { consistent: beat.length === 0, beatUniform: beat };
}

/** The study's Markdown for one experiment: the table, the chart, the headlines and the verdicts. */
export function studySection(experiment: string, cells: readonly StudyCell[], chartFile: string, importanceArms: readonly string[]): string[] {
  const arms = cells[0]?.errors.map((e) => e.arm) ?? [];
  const pct = (s: SampleStat) => (Number.isFinite(s.mean) ? `${(100 * s.mean).toFixed(2)}%${Number.isFinite(s.halfWidth) ? ` ± ${(100 * s.halfWidth).toFixed(2)}` : ''}` : 'n/a');
  const lines = [`## ${experiment}`, '', `| budget | ${arms.join(' | ')} |`, `| --- |${arms.map(() => ' ---: |').join('')}`];
  for (const c of cells) lines.push(`| ${budgetLabel(c.budget)} | ${c.errors.map((e) => pct(e.stat)).join(' | ')} |`);
  lines.push('', `Final error in %, mean ± 95% CI half-width (percentage points) over seeds (Student t).`, '', `![${experiment}: error by budget](${chartFile})`, '');
  for (const c of cells) {
    lines.push(`**At ${budgetLabel(c.budget)}** (relative difference from uniform, paired by seed, 95% CI of the geometric mean ratio):`, '');
    for (const comparison of c.comparisons) lines.push(`- ${equalBudgetHeadline(comparison)}`);
    lines.push('');
  }
  lines.push('**Verdicts**', '');
  for (const c of cells) {
    const claim = c.comparisons
      .filter((x) => importanceArms.includes(x.arm))
      .map((x) => `${x.arm} ${paperClaimVerdict(x)}`)
      .join(', ');
    const ntng = noTrainNoGainVerdict(c);
    lines.push(
      `- ${budgetLabel(c.budget)}: the paper's "at least 5% lower relative error" — ${claim || 'no importance arm'}; ` +
        `No Train No Gain's "no gain over a tuned uniform baseline" — ${ntng.consistent ? 'consistent (no arm significantly better than uniform)' : `not consistent: ${ntng.beatUniform.join(', ')} significantly better than uniform`}.`,
    );
  }
  lines.push('');
  return lines;
}
