/**
 * Budgets: the `--budget` grammar, what a budget amounts to for an arm, and how it is named in
 * reports. A budget is one of seconds of each arm's own clock, cost units (forward samples + 2 x
 * backward samples), or the cost of E uniform epochs (3 N units each: every sample forward once
 * and backward once).
 */
import { UserError } from '../errors';
import type { BudgetConfig } from './schema';

export const DEFAULT_EVALUATIONS = 10;

export const BUDGET_GRAMMAR = '<seconds>s, <minutes>m, cost:<units> or uniform-epochs:<E> (e.g. 60s, 5m, cost:1e6, uniform-epochs:3)';

/** Parses `--budget`: `60s`, `1.5m`, `cost:1e6`, `uniform-epochs:3`. */
export function parseBudget(text: string): Omit<BudgetConfig, 'evaluations'> {
  const t = text.trim();
  const number = (s: string) => (/^\d+(\.\d+)?(e\d+)?$/i.test(s) ? Number(s) : NaN);
  let budget: Omit<BudgetConfig, 'evaluations'> | undefined;
  const time = /^([\d.e]+)\s*(s|m)$/i.exec(t);
  if (time) {
    const v = number(time[1]);
    budget = { seconds: time[2].toLowerCase() === 'm' ? v * 60 : v };
  } else if (/^cost:/i.test(t)) {
    budget = { cost: number(t.slice(5)) };
  } else if (/^uniform-epochs:/i.test(t)) {
    budget = { uniformEpochs: number(t.slice('uniform-epochs:'.length)) };
  }
  const value = budget && Object.values(budget)[0];
  if (value === undefined || !Number.isFinite(value) || value <= 0) {
    throw new UserError(`--budget "${text}": expected ${BUDGET_GRAMMAR}, with a number > 0`);
  }
  return budget!;
}

/** What one arm's budget is in the unit it is measured in: seconds of its clock, or cost units. */
export function budgetMeter(budget: BudgetConfig, trainSamples: number): { kind: 'seconds' | 'cost'; total: number } {
  if (budget.seconds !== undefined) return { kind: 'seconds', total: budget.seconds };
  if (budget.cost !== undefined) return { kind: 'cost', total: budget.cost };
  return { kind: 'cost', total: 3 * trainSamples * budget.uniformEpochs! };
}

/** "60 s", "1e+06 cost units", "3 uniform epochs": how a headline names the budget. */
export function budgetLabel(budget: Omit<BudgetConfig, 'evaluations'>): string {
  if (budget.seconds !== undefined) return `${Number(budget.seconds.toPrecision(4))} s`;
  if (budget.cost !== undefined) return `${Number(budget.cost.toPrecision(4)).toExponential()} cost units`.replace('e+', 'e');
  return `${budget.uniformEpochs} uniform epoch${budget.uniformEpochs === 1 ? '' : 's'}`;
}

/** Whether the budget depends on the machine (a wall-clock budget does; a cost budget does not). */
export function budgetDependsOnMachine(budget: Omit<BudgetConfig, 'evaluations'>): boolean {
  return budget.seconds !== undefined;
}

/** The fractions of the budget at which every arm is evaluated: 1/E, 2/E, ..., 1. */
export function evaluationFractions(evaluations: number): number[] {
  return Array.from({ length: evaluations }, (_, i) => (i + 1) / evaluations);
}
