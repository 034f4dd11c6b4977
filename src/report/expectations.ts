/**
 * CI gates: `expect:` lines of a config, e.g.
 *   importance.best.val_accuracy >= uniform.best.val_accuracy
 *   importance.speedup.val_loss > 1
 *   importance.final.val_loss < 0.1
 * parsed, evaluated against a run's analysis (means over seeds), and printed as a pass/fail table.
 *
 * Quantities (`<arm>.<quantity>`):
 *   best.<metric>            best over epochs (min loss and mae / max accuracy); metric: val_loss,
 *                            val_accuracy, val_mae, train_loss, train_accuracy, loss, accuracy
 *   final.<column>           value at the last epoch of any CSV column (train_loss/train_accuracy
 *                            read the --eval-train columns)
 *   speedup.<metric>         wall-clock speedup against the baseline arm to the baseline
 *                            arm's best <metric> (val_loss, val_accuracy, val_mae, train_loss, train_accuracy)
 *   cost_speedup.<metric>    the same in cost units
 *   time_to_target.<metric>  seconds of the arm's own clock to the baseline arm's best <metric>
 *   epoch_time_ratio         mean epoch time / the baseline arm's
 *   cost_ratio               mean cost units per epoch / the baseline arm's
 * With several seeds every quantity is the mean over the seeds.
 */
import type { ExpectOperator, Expectation, Operand } from '../config/expectation';
import { UserError } from '../errors';
import { defaultTarget, speedupsToTarget, type ExperimentAnalysis } from './analysis';
import { bestValue, finalValue, metricColumn, metricValue } from './metrics';
import { meanCI } from './stats';
import { formatMetric, timeToTarget } from './target';
import type { Table } from './table';

/** One evaluated expectation. */
export interface ExpectationResult {
  line: string;
  passed: boolean;
  left: number | null;
  right: number | null;
  /** Why a side has no value ("importance never reached val_loss 0.0720"), or how it was computed. */
  note: string;
}

/**
 * Evaluates the expectations against one analysed experiment. A side with no value (a target
 * never reached, a NaN metric) fails the expectation; an arm or column that does not exist is
 * a UserError naming the line.
 */
export function evaluateExpectations(expectations: readonly Expectation[], analysis: ExperimentAnalysis): ExpectationResult[] {
  return expectations.map((e) => {
    const notes: string[] = [];
    const left = operandValue(e.left, analysis, e.line, notes);
    const right = operandValue(e.right, analysis, e.line, notes);
    const passed = left !== null && right !== null && compare(left, e.op, right);
    if (analysis.seeds.length > 1) notes.push(`means over ${analysis.seeds.length} seeds`);
    return { line: e.line, passed, left, right, note: notes.join('; ') };
  });
}

function compare(a: number, op: ExpectOperator, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '<':
      return a < b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

function operandValue(operand: Operand, analysis: ExperimentAnalysis, line: string, notes: string[]): number | null {
  if (operand.type === 'number') return operand.value;
  const group = analysis.group;
  const arm = analysis.arms.find((a) => a.name === operand.arm);
  if (!arm) {
    throw new UserError(`expect "${line}": no arm named "${operand.arm}" (arms: ${group.armNames.join(', ')})`);
  }
  const q = operand.quantity;
  const finite = (v: number, why: string): number | null => {
    if (Number.isFinite(v)) return v;
    notes.push(`${operand.text}: ${why}`);
    return null;
  };
  switch (q.kind) {
    case 'best':
    case 'final': {
      const column = metricColumn(q.metric);
      const records = arm.seeds.map((s) => s.records).filter((r) => r.length > 0);
      if (records.length > 0 && records.some((r) => metricValue(r[0], q.metric) === undefined)) {
        throw new UserError(
          `expect "${line}": arm "${arm.name}" has no column ${column}` +
            (q.metric.startsWith('train_') ? ' (run with --eval-train N)' : ''),
        );
      }
      const per = records.map((r) => (q.kind === 'best' ? bestValue(r, q.metric) : finalValue(r, q.metric)));
      return finite(meanCI(per).mean, 'no value');
    }
    case 'speedup':
    case 'cost_speedup': {
      const target = defaultTarget(group, q.metric);
      const s = speedupsToTarget(group, arm.name, target);
      const stat = q.kind === 'speedup' ? s.time : s.cost;
      return finite(stat.mean, `${arm.name} or ${group.baselineArm} never reached ${target.metric} ${formatMetric(target.value)}`);
    }
    case 'time_to_target': {
      const target = defaultTarget(group, q.metric);
      const hits = arm.seeds.map((s) => timeToTarget(s.records, target, arm.name)?.wallTimeS ?? NaN);
      return finite(meanCI(hits).mean, `never reached ${target.metric} ${formatMetric(target.value)}`);
    }
    case 'epoch_time_ratio':
      return finite(arm.epochTimeRatio.mean, 'no epoch times');
    case 'cost_ratio':
      return finite(arm.costRatio.mean, 'no cost units');
  }
}

/** Whether any expectation failed (the CLI maps this to exit code 3). */
export function anyExpectationFailed(results: readonly ExpectationResult[]): boolean {
  return results.some((r) => !r.passed);
}

/** The pass/fail table as a Table (rendered by the summary writers). */
export function expectationTable(results: readonly ExpectationResult[]): Table {
  return {
    header: ['expectation', 'left', 'right', 'result', 'note'],
    rows: results.map((r) => [r.line, formatExpectationValue(r.left), formatExpectationValue(r.right), r.passed ? 'pass' : 'FAIL', r.note]),
    align: ['left', 'right', 'right', 'left', 'left'],
  };
}

export function formatExpectationValue(v: number | null): string {
  if (v === null) return 'none';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(5)).toString();
}
