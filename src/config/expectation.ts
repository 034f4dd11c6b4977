/**
 * The grammar of a config's `expect:` lines (CI gates), e.g.
 *   importance.best.val_accuracy >= uniform.best.val_accuracy
 *   importance.speedup.val_loss > 1
 * Parsed when the config is loaded, so a typo fails before training; evaluated by the report
 * against a run's analysis (report/expectations.ts, which lists the quantities).
 */
import { UserError } from '../errors';

/** Metrics a time-to-target goal may name; val_mae is a regression's (loss mse, mae or huber). */
export const TARGET_METRICS = ['val_loss', 'val_accuracy', 'val_mae', 'train_loss', 'train_accuracy'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

export const EXPECT_OPERATORS = ['>=', '<=', '==', '!=', '>', '<'] as const;
export type ExpectOperator = (typeof EXPECT_OPERATORS)[number];

const BEST_METRICS = ['val_loss', 'val_accuracy', 'val_mae', 'train_loss', 'train_accuracy', 'loss', 'accuracy'];
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

