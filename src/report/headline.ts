/**
 * The answer in words: did an arm reach the target faster than the baseline arm, by how
 * much, and is the difference more than the seeds' noise.
 */
import type { ArmAnalysis, ExperimentAnalysis } from './analysis';
import { budgetNote, equalBudgetComparisons, equalBudgetHeadline, groupBudget } from './equal-budget';
import { ciExcludes, formatMeanCI } from './stats';
import { formatMetric } from './target';

/** One sentence per non-baseline arm: at equal budget for a budgeted run (and what the budget means), else time to target. */
export function headlines(analysis: ExperimentAnalysis): string[] {
  const budget = groupBudget(analysis);
  if (budget) return [...equalBudgetComparisons(analysis).map(equalBudgetHeadline), budgetNote(budget)];
  return analysis.arms.filter((a) => !a.isBaseline).map((a) => headline(analysis, a));
}

/**
 * e.g. "importance reached val_loss 0.0720 1.8 ± 0.2x faster than uniform (5 seeds)";
 * "... — the difference is not significant" when the 95% CI of the speedup contains 1;
 * "reached it in 3 of 5 seeds" when some seeds never got there.
 */
export function headline(analysis: ExperimentAnalysis, arm: ArmAnalysis): string {
  const { target, baselineArm } = analysis;
  const what = `${target.metric} ${formatMetric(target.value)}`;
  const seeds = plural(arm.total, 'seed');
  const speedup = arm.speedupTime;
  if (!Number.isFinite(target.value)) return `${arm.name}: no target (${baselineArm} has no finished epoch with ${target.metric})`;
  if (arm.reached === 0) return `${arm.name} never reached ${what} (${target.origin}) in ${seeds}`;
  if (speedup.n === 0) {
    return `${arm.name} reached ${what} in ${arm.reached} of ${seeds}, but ${baselineArm} never did in those runs: no speedup to report`;
  }
  const factor = speedup.mean >= 1 ? `${formatMeanCI(speedup, 2)}x faster than ${baselineArm}` : `at ${formatMeanCI(speedup, 2)}x the speed of ${baselineArm}`;
  const count =
    speedup.n === arm.total
      ? `(${seeds})`
      : speedup.n === arm.reached
        ? `(reached it in ${speedup.n} of ${seeds})`
        : `(both arms reached it in ${speedup.n} of ${seeds})`;
  let sentence = `${arm.name} reached ${what} ${factor} ${count}`;
  if (speedup.n === 1) sentence += arm.total === 1 ? ' — one seed, no confidence interval' : ' — one seed with both arms reaching it, no confidence interval';
  else if (!ciExcludes(speedup, 1)) sentence += ' — the difference is not significant';
  return sentence;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
