/**
 * CI gates: `expect:` lines of a config, e.g.
 *   importance.best.val_accuracy >= uniform.best.val_accuracy
 *   importance.speedup.val_loss > 1
 *   importance.final.val_loss < 0.1
 * parsed, evaluated against a run's analysis (means over seeds), and printed as a pass/fail table.
 *
 * Quantities (`<arm>.<quantity>`):
 *   best.<metric>            best over epochs (min loss / max accuracy); metric: val_loss,
 *                            val_accuracy, train_loss, train_accuracy, loss, accuracy
 *   final.<column>           value at the last epoch of any CSV column (train_loss/train_accuracy
 *                            read the --eval-train columns)
 *   speedup.<metric>         wall-clock speedup against the reference arm to the reference
 *                            arm's best <metric> (val_loss, val_accuracy, train_loss, train_accuracy)
 *   cost_speedup.<metric>    the same in cost units
 *   time_to_target.<metric>  seconds of the arm's own clock to the reference arm's best <metric>
 *   epoch_time_ratio         mean epoch time / the reference arm's
 *   cost_ratio               mean cost units per epoch / the reference arm's
 * With several seeds every quantity is the mean over the seeds.
 */
import { UserError } from '../errors';
import { defaultTarget, speedupsToTarget, type ExperimentAnalysis } from './analysis';
import { bestValue, finalValue, metricColumn, metricValue } from './metrics';
import { meanCI } from './stats';
import { formatMetric, TARGET_METRICS, timeToTarget, type TargetMetric } from './target';
import { tableToMarkdown, type Table } from './table';

export const EXPECT_OPERATORS = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type ExpectOperator = (typeof EXPECT_OPERATORS)[number];

const BEST_METRICS = ['val_loss', 'val_accuracy', 'train_loss', 'train_accuracy', 'loss', 'accuracy'];
const TARGETED = ['speedup', 'cost_speedup', 'time_to_target'] as const;
const RATIOS = ['epoch_time_ratio', 'cost_ratio'] as const;

export type Quantity =
  | { kind: 'best' | 'final'; metric: string }
  | { kind: (typeof TARGETED)[number]; metric: TargetMetric }
  | { kind: (typeof RATIOS)[number] };

export type Operand = { type: 'number'; value: number; text: string } | { type: 'arm'; arm: string; quantity: Quantity; text: string };

export interface Expectation {
  /** The line as written. */
  line: string;
  left: Operand;
  op: ExpectOperator;
  right: Operand;
}

const GRAMMAR =
  '<arm>.<quantity> <op> <number or arm.quantity>, op one of >= <= > < == !=, quantity one of best.<metric>, ' +
  'final.<column>, speedup.<metric>, cost_speedup.<metric>, time_to_target.<metric>, epoch_time_ratio, cost_ratio';

/** Parses one `expect:` line; `where` names it in errors (e.g. "expect[2]"). */
export function parseExpectation(line: string, where = 'expect'): Expectation {
  const fail = (why: string): never => {
    throw new UserError(`${where} "${line}": ${why}; expected ${GRAMMAR}`);
  };
  const parts = line.trim().split(/\s*(>=|<=|==|!=|>|<)\s*/);
  if (parts.length !== 3) fail(parts.length < 3 ? 'no comparison operator' : 'more than one comparison operator');
  const [leftText, op, rightText] = parts as [string, ExpectOperator, string];
  const left = parseOperand(leftText, fail);
  const right = parseOperand(rightText, fail);
  if (left.type === 'number') fail(`the left side "${leftText}" must be an arm's quantity, not a number`);
  return { line: line.trim(), left, op, right };
}

/** Parses every `expect:` line, naming the bad one by its position. */
export function parseExpectations(lines: readonly string[], where = 'expect'): Expectation[] {
  return lines.map((line, i) => parseExpectation(line, `${where}[${i}]`));
}

function parseOperand(text: string, fail: (why: string) => never): Operand {
  if (text === '') return fail('a side of the comparison is empty');
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return { type: 'number', value: Number(text), text };
  // Arm names may hold dots ("v1.2"), so the quantity is matched from the right.
  const match = /^([A-Za-z0-9][A-Za-z0-9_.-]*?)\.(best|final|speedup|cost_speedup|time_to_target|epoch_time_ratio|cost_ratio)(?:\.([A-Za-z0-9_]+))?$/.exec(text);
  if (!match) return fail(`"${text}" is neither a number nor <arm>.<quantity>`);
  const [, arm, kind, metric] = match;
  if (kind === 'best' || kind === 'final') {
    if (!metric) return fail(`"${text}" needs a metric after ${kind}. (e.g. ${arm}.${kind}.val_loss)`);
    if (kind === 'best' && !BEST_METRICS.includes(metric)) return fail(`"${text}": best.<metric> takes one of ${BEST_METRICS.join(', ')}`);
    return { type: 'arm', arm, quantity: { kind, metric }, text };
  }
  if ((TARGETED as readonly string[]).includes(kind)) {
    if (!metric || !(TARGET_METRICS as readonly string[]).includes(metric)) {
      return fail(`"${text}": ${kind}.<metric> takes one of ${TARGET_METRICS.join(', ')}`);
    }
    return { type: 'arm', arm, quantity: { kind: kind as (typeof TARGETED)[number], metric: metric as TargetMetric }, text };
  }
  if ((RATIOS as readonly string[]).includes(kind)) {
    if (metric) return fail(`"${text}": ${kind} takes no metric`);
    return { type: 'arm', arm, quantity: { kind: kind as (typeof RATIOS)[number] }, text };
  }
  return fail(`"${text}": unknown quantity "${kind}"`); // unreachable: the pattern lists the quantities
}

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
      return finite(stat.mean, `${arm.name} or ${group.referenceArm} never reached ${target.metric} ${formatMetric(target.value)}`);
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
    rows: results.map((r) => [r.line, formatValue(r.left), formatValue(r.right), r.passed ? 'pass' : 'FAIL', r.note]),
    align: ['left', 'right', 'right', 'left', 'left'],
  };
}

/** The pass/fail table as text, with a closing count (worded so CI log scanners do not take it for a test summary). */
export function formatExpectationTable(results: readonly ExpectationResult[]): string {
  const passed = results.filter((r) => r.passed).length;
  return `${tableToMarkdown(expectationTable(results))}\n${passed} of ${results.length} expectations met`;
}

function formatValue(v: number | null): string {
  if (v === null) return 'none';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(5)).toString();
}
