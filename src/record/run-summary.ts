/**
 * summary.json: one schema, one type, one builder and one reader. The run writes it after every
 * epoch; report and resume read it back through `readRunSummary`, which treats the file as
 * untrusted input (names that become file names are checked as at run time, sizes are capped).
 */
import { z } from 'zod';
import { BudgetSchema, fileNameSchema } from '../config/schema';
import { budgetLabel } from '../config/budget';
import { printable, UserError } from '../errors';
import { pathInside, readCapped } from '../io/inside';
import { EPOCH_COLUMNS, type ArmStatus, type EpochRecord } from '../spec';

export type RunStatus = 'running' | 'finished' | 'interrupted' | 'diverged';

/** A summary.json larger than this is not one is-bench wrote (a long run's is well under 1 MiB). */
const MAX_SUMMARY_BYTES = 16 * 2 ** 20;

const FileName = fileNameSchema('it names a file of the run folder').pipe(z.string().max(100));
/** Run ids: timestamps, `seed-3`, or sweep cell ids (`mnist-mlp__batchSize=64,lr=0.1__seed0`): one path segment. */
const RunId = z.string().regex(/^(?!\.)[A-Za-z0-9_.,=-]+$/, 'one folder name of letters, digits and "_.,=-", not starting with "."').max(255);
const Num = z.number().nullable().transform((v) => (v === null ? NaN : v));

/** An epoch record as JSON writes it (NaN and infinities become null). */
const EpochRecordSchema = z
  .object({ ...Object.fromEntries(EPOCH_COLUMNS.map((c) => [c, Num.default(null)])), extra: z.record(Num).default({}) })
  .passthrough() as unknown as z.ZodType<EpochRecord, z.ZodTypeDef, unknown>;

const ArmSummarySchema = z
  .object({
    name: FileName,
    strategy: z.string(),
    params: z.record(z.unknown()).default({}),
    status: z.enum(['running', 'finished', 'diverged', 'interrupted']),
    /** Why it stopped early, when it did. */
    stopReason: z.string().optional(),
    epochsCompleted: z.number().int().min(0).default(0),
    final: EpochRecordSchema.optional(),
    best: z
      .object({ val_loss: Num, val_loss_epoch: z.number(), val_accuracy: Num, val_accuracy_epoch: z.number() })
      .optional(),
    totals: z.object({ time_s: Num, cost_units: Num, steps: Num }).optional(),
    /** The arm is the baseline speedups are measured against (its strategy says so). */
    baseline: z.boolean().optional(),
    /** The strategy's cost model: the cost of one of its steps over a uniform step's, where it has one. */
    costModelRatio: z.number().optional(),
  });
export type ArmSummary = z.infer<typeof ArmSummarySchema>;

/** One arm against the baseline at the end of an equal budget, in one run (one seed). */
const EqualBudgetSchema = z.object({
  arm: FileName,
  baseline: FileName,
  budget: z.string(),
  /** test_error where the run measured a separate test split, else val_error (1 - accuracy). */
  metric: z.enum(['test_error', 'val_error']),
  value: Num,
  baselineValue: Num,
  /** value / baselineValue - 1. */
  relative: Num,
});
export type EqualBudgetEntry = z.infer<typeof EqualBudgetSchema>;

const StoredArmSchema = z.object({ name: FileName, strategy: z.string(), params: z.record(z.unknown()).default({}) });

/**
 * The resolved config as stored: only what reports read is typed here; resume re-validates the
 * whole of it through the experiment schema before it trusts it (see train/experiment).
 */
const StoredConfigSchema = z
  .object({
    name: z.string().optional(),
    arms: z.array(StoredArmSchema).min(1).max(100),
    batchSize: z.number().optional(),
    epochs: z.number().optional(),
    seed: z.number().optional(),
    /** A budgeted run's budget: arms trained to it and are compared at it. */
    budget: BudgetSchema.optional(),
    dataset: z.object({ name: z.string().optional(), limit: z.number().optional() }).passthrough().optional(),
    expect: z.array(z.string()).optional(),
    reference: z.record(z.unknown()).optional(),
  })
  .passthrough();

const MachineSchema = z
  .object({
    cpu: z.string().optional(),
    cores: z.number().optional(),
    memoryGiB: z.number().optional(),
    platform: z.string().optional(),
    arch: z.string().optional(),
    hostname: z.string().optional(),
  });

export const RunSummarySchema = z
  .object({
    tool: z.literal('is-bench'),
    version: z.string().optional(),
    experiment: FileName,
    runId: RunId,
    seed: z.number().int().min(0),
    status: z.enum(['running', 'finished', 'interrupted', 'diverged']),
    startedAt: z.string().optional(),
    updatedAt: z.string().optional(),
    config: StoredConfigSchema,
    dataset: z
      .object({ source: z.string(), train: z.number(), validation: z.number(), test: z.number().optional(), info: z.array(z.string()) })
      .optional(),
    backend: z.string().optional(),
    backendLine: z.string().optional(),
    versions: z.record(z.string()).optional(),
    machine: MachineSchema.optional(),
    commit: z.string().nullable().optional(),
    configHash: z.string().optional(),
    /** --eval-train N: the size of the fixed training subset measured at each epoch end. */
    evalTrain: z.number().int().positive().optional(),
    /** A quick (shortened) run, e.g. `reproduce --quick`. */
    quick: z.boolean().optional(),
    arms: z.array(ArmSummarySchema).max(100).default([]),
    /** A budgeted run: each arm's final error against the baseline arm's, at the same budget. */
    equalBudget: z.array(EqualBudgetSchema).max(100).optional(),
  });
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** Best val_loss (min) and val_accuracy (max) over the finished epochs. */
export function bestOf(records: readonly EpochRecord[]): ArmSummary['best'] {
  if (!records.length) return undefined;
  let lo = records[0];
  let hi = records[0];
  for (const r of records) {
    if (r.val_loss < lo.val_loss) lo = r;
    if (r.val_accuracy > hi.val_accuracy) hi = r;
  }
  return { val_loss: lo.val_loss, val_loss_epoch: lo.epoch, val_accuracy: hi.val_accuracy, val_accuracy_epoch: hi.epoch };
}

/** What the run knows of one arm when it writes the summary. */
export interface ArmState {
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  status: ArmStatus;
  stopReason?: string;
  records: readonly EpochRecord[];
  baseline?: boolean;
  costModelRatio?: number;
}

export function armSummary(arm: ArmState): ArmSummary {
  const r = arm.records;
  const last = r[r.length - 1];
  return {
    name: arm.name,
    strategy: arm.strategy,
    params: arm.params,
    status: arm.status,
    ...(arm.stopReason ? { stopReason: arm.stopReason } : {}),
    epochsCompleted: r.length,
    ...(last ? { final: last } : {}),
    best: bestOf(r),
    totals: {
      time_s: last?.wall_time_s ?? 0,
      cost_units: r.reduce((a, x) => a + x.cost_units, 0),
      steps: r.reduce((a, x) => a + x.steps, 0),
    },
    ...(arm.baseline ? { baseline: true } : {}),
    ...(arm.costModelRatio !== undefined && Number.isFinite(arm.costModelRatio) ? { costModelRatio: arm.costModelRatio } : {}),
  };
}

/** The whole summary: the run's fixed facts plus its arms as they stand. */
export function buildRunSummary(
  facts: Omit<RunSummary, 'tool' | 'status' | 'updatedAt' | 'arms' | 'equalBudget'>,
  status: RunStatus,
  arms: readonly ArmState[],
): RunSummary {
  const budget = (facts.config as { budget?: Parameters<typeof budgetLabel>[0] }).budget;
  const equalBudget = budget ? equalBudgetEntries(arms, budgetLabel(budget)) : undefined;
  return { tool: 'is-bench', ...facts, status, updatedAt: new Date().toISOString(), arms: arms.map(armSummary), ...(equalBudget ? { equalBudget } : {}) };
}

/** The final error of an arm that spent its whole budget: on the test split when there is one, else on validation. */
export function finalError(records: readonly EpochRecord[], metric: EqualBudgetEntry['metric']): number {
  const last = records[records.length - 1];
  if (!last) return NaN;
  return 1 - (metric === 'test_error' ? (last.extra.test_accuracy ?? NaN) : last.val_accuracy);
}

/** Every finished non-baseline arm against the finished baseline arm (in one run, so no interval). */
function equalBudgetEntries(arms: readonly ArmState[], budget: string): EqualBudgetEntry[] {
  const baseline = arms.find((a) => a.baseline) ?? arms[0];
  if (!baseline || baseline.status !== 'finished') return [];
  const metric = baseline.records[baseline.records.length - 1]?.extra.test_accuracy !== undefined ? 'test_error' : 'val_error';
  const baselineValue = finalError(baseline.records, metric);
  return arms
    .filter((a) => a !== baseline && a.status === 'finished')
    .map((a) => {
      const value = finalError(a.records, metric);
      return { arm: a.name, baseline: baseline.name, budget, metric, value, baselineValue, relative: baselineValue > 0 ? value / baselineValue - 1 : NaN };
    });
}

/** Reads and checks `<dir>/summary.json`; every way it can be wrong is a UserError naming the file. */
export function readRunSummary(dir: string): RunSummary {
  const file = pathInside(dir, ['summary.json'], 'summary file');
  let text: string;
  try {
    text = readCapped(file, MAX_SUMMARY_BYTES).toString('utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${file}: not found; is this a run folder (results/<experiment>/<run-id>)?`
        : `${file}: unreadable (${code ?? (e as Error).message})`,
    );
  }
  return parseRunSummary(text, file);
}

/** Parses the text of a summary.json; `file` names it in errors. */
export function parseRunSummary(text: string, file: string): RunSummary {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid JSON (${printable((e as Error).message)})`);
  }
  const tool = (json as { tool?: unknown } | null)?.tool;
  if (json === null || typeof json !== 'object' || (tool !== undefined && tool !== 'is-bench')) throw new UserError(`${file}: not an is-bench run summary`);
  const parsed = RunSummarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues.find((i) => i.path[0] !== 'tool') ?? parsed.error.issues[0];
    throw new UserError(`${file}: field "${issue.path.join('.')}": ${issue.message}; not a run summary is-bench can read`);
  }
  const summary = parsed.data;
  const names = summary.arms.length > 0 ? summary.arms.map((a) => a.name) : summary.config.arms.map((a) => a.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated !== undefined) throw new UserError(`${file}: arm "${repeated}" appears twice; not a run summary is-bench wrote`);
  return summary;
}
