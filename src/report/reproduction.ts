/**
 * Reproduction of the documented tables: the reference's per-epoch numbers beside ours, and a
 * verdict for each claim the page makes, with the numbers behind it. A claim that does not
 * hold in our run is "not reproduced"; one our run cannot speak to (an arm or column missing)
 * is "not comparable". Verdicts of quick runs say so.
 */
import type { EpochRecord } from '../spec';
import type { ExperimentAnalysis } from './analysis';
import { meanRecords, recordsByEpoch } from './mean-records';
import { finalValue, hasMetric, meanValue, metricValue } from './metrics';
import { referenceSetup, type ReferenceRun, type ReferenceSetup, type ReferenceSetupName } from './reference-data';
import type { Table } from './table';
import { formatMetric, timeToLevel } from './target';

/**
 * How far our epoch-time ratio may be from the reference's and still reproduce it, as a factor
 * either way. The page's times are whole seconds from one 2017 CPU run of Keras/TensorFlow;
 * ours come from other hardware and another engine, so only the magnitude is comparable.
 */
export const EPOCH_TIME_RATIO_TOLERANCE = 1.5;

/** One side of a comparison: the uniform and the importance arm, per-epoch (means over seeds). */
export interface ClaimRun {
  records: EpochRecord[];
  /** Final accuracy on a separate test split, when the run measured one. */
  testAccuracy?: number;
}

export interface ClaimData {
  uniform: ClaimRun;
  importance: ClaimRun;
  /** Arm names as shown ("uniform", "importance"). */
  names: { uniform: string; importance: string };
  seeds: number;
  quick: boolean;
}

export type Verdict = 'reproduced' | 'not reproduced' | 'not comparable';

export interface ClaimVerdict {
  setup: ReferenceSetupName;
  claim: string;
  verdict: Verdict;
  /** The numbers behind the verdict, reference and ours. */
  numbers: Record<string, number | string | null>;
  detail: string;
  /** One short "ours vs the page" line for the terminal, e.g. "ours 1.74x, the page's 2.50x". */
  summary: string;
  quick: boolean;
}

/** The reference runs of a setup as claim data (steps per epoch from the Keras batch size). */
export function referenceClaimData(setup: ReferenceSetup): ClaimData {
  return {
    uniform: referenceClaimRun(setup.uniform, setup.batchSize, 'uniform'),
    importance: referenceClaimRun(setup.importance, setup.batchSize, 'importance'),
    names: { uniform: 'uniform', importance: 'importance' },
    seeds: 1,
    quick: false,
  };
}

function referenceClaimRun(run: ReferenceRun, batchSize: number, kind: 'uniform' | 'importance'): ClaimRun {
  const [done] = run.progress.split('/').map(Number);
  // Keras counts samples for plain fit (its last batch is partial) and steps for the importance trainer.
  const steps = kind === 'uniform' ? Math.ceil(done / batchSize) : done;
  let wall = 0;
  const records = run.epochs.map((e) => {
    wall += e.seconds;
    return recordOf({ epoch: e.epoch, loss: e.loss, accuracy: e.acc, val_loss: e.val_loss, val_accuracy: e.val_acc, epoch_time_s: e.seconds, wall_time_s: wall, steps });
  });
  return { records, testAccuracy: run.testAccuracy };
}

function recordOf(values: Partial<EpochRecord>): EpochRecord {
  const nan = NaN;
  return {
    epoch: nan, loss: nan, accuracy: nan, val_loss: nan, val_accuracy: nan, epoch_time_s: nan, train_time_s: nan,
    score_time_s: nan, eval_time_s: nan, wall_time_s: nan, steps: nan, forward_samples: nan, backward_samples: nan,
    is_active: nan, tau: nan, score_forward_samples: nan, cost_units: nan, weight_mean: nan, weight_max: nan,
    weight_ess: nan, extra: {}, ...values,
  };
}

/**
 * Our side of a comparison from an analysed run: the arms the setup's `reference.arms` names for
 * the page's uniform and importance runs (by default the baseline arm and the first other arm),
 * per-epoch means over seeds. Null when the run lacks one of them.
 */
export function ourClaimData(analysis: ExperimentAnalysis, quick: boolean, arms: ReferenceSetup['arms'] = {}): ClaimData | null {
  const uniform = arms.uniform !== undefined ? analysis.arms.find((a) => a.name === arms.uniform) : analysis.arms.find((a) => a.isBaseline);
  const importance = arms.importance !== undefined ? analysis.arms.find((a) => a.name === arms.importance) : analysis.arms.find((a) => a !== uniform);
  if (!uniform || !importance || uniform === importance) return null;
  const run = (name: string): ClaimRun => {
    const seedRuns = analysis.group.runs.map((r) => r.arms.find((a) => a.name === name)).filter((a) => a !== undefined);
    const tests = seedRuns.map((a) => testAccuracyOf(a.summary?.final, a.records)).filter((v): v is number => v !== undefined);
    return {
      records: meanRecords(seedRuns.map((a) => a.records)),
      testAccuracy: tests.length === seedRuns.length && tests.length > 0 ? tests.reduce((x, y) => x + y, 0) / tests.length : undefined,
    };
  };
  return {
    uniform: run(uniform.name),
    importance: run(importance.name),
    names: { uniform: uniform.name, importance: importance.name },
    seeds: analysis.seeds.length,
    quick,
  };
}

/** A test accuracy recorded by the run: summary.json's final.test_accuracy (or final.extra.test_accuracy), or a test_accuracy column. */
function testAccuracyOf(final: EpochRecord | undefined, records: EpochRecord[]): number | undefined {
  const fromSummary = (final as unknown as Record<string, unknown> | undefined)?.test_accuracy ?? final?.extra?.test_accuracy;
  if (typeof fromSummary === 'number' && Number.isFinite(fromSummary)) return fromSummary;
  const last = records[records.length - 1];
  const fromCsv = last === undefined ? undefined : metricValue(last, 'test_accuracy');
  return fromCsv !== undefined && Number.isFinite(fromCsv) ? fromCsv : undefined;
}

/** The verdict of every claim the page makes about a setup, on our data. */
export function reproductionVerdicts(name: ReferenceSetupName, ours: ClaimData): ClaimVerdict[] {
  const setup = referenceSetup(name);
  const ref = referenceClaimData(setup);
  const v = (claim: string, verdict: Verdict, numbers: ClaimVerdict['numbers'], detail: string, summary: string): ClaimVerdict => ({
    setup: name,
    claim,
    verdict,
    numbers,
    detail,
    summary,
    quick: ours.quick,
  });
  const claims: ClaimVerdict[] = [];
  switch (name) {
    case 'mnist-mlp':
      claims.push(v(...withinEpochsBetterThanFinal(ref, ours, 3)));
      claims.push(v(...epochTimeRatioClaim(ref, ours, '10 s / 4 s')));
      break;
    case 'mnist-cnn':
      claims.push(v(...higherFinalTestAccuracy(ref, ours, 'importance sampling reaches a higher final test accuracy')));
      claims.push(v(...epochTimeRatioClaim(ref, ours, '197 s / 62 s')));
      break;
    case 'reuters-mlp':
      claims.push(v(...perUpdateVersusPerSecond(ref, ours, 'steps')));
      claims.push(v(...perUpdateVersusPerSecond(ref, ours, 'seconds')));
      claims.push(v(...overfitting(ref, ours)));
      claims.push(v(...epochTimeRatioClaim(ref, ours, '7 s / 1 s')));
      break;
    case 'imdb-fasttext':
      claims.push(v(...higherFinalTestAccuracy(ref, ours, 'importance sampling reaches a better test accuracy')));
      claims.push(v(...epochTimeRatioClaim(ref, ours, 'about 6x')));
      break;
  }
  return claims;
}

type ClaimOutcome = [claim: string, verdict: Verdict, numbers: ClaimVerdict['numbers'], detail: string, summary: string];

/** Which training-loss column both sides of `ours` have: train_eval_loss when both arms measured it. */
function trainLossColumn(data: ClaimData): { column: string; note: string } {
  if (hasMetric(data.uniform.records, 'train_eval_loss') && hasMetric(data.importance.records, 'train_eval_loss')) {
    return { column: 'train_eval_loss', note: 'training loss = train_eval_loss (fixed training subset, inference mode)' };
  }
  return { column: 'loss', note: "training loss = the Keras loss column (the importance arm's is a weighted estimate on sampled batches, as in the reference)" };
}

function verdictOf(holds: boolean): Verdict {
  return holds ? 'reproduced' : 'not reproduced';
}

/** MNIST MLP: within k epochs importance has better training loss, val loss and val accuracy than uniform after all its epochs. */
function withinEpochsBetterThanFinal(ref: ClaimData, ours: ClaimData, k: number): ClaimOutcome {
  const claim = `within ${k} epochs importance sampling has better training loss, val_loss and val_accuracy than uniform after ${ref.uniform.records.length}`;
  const u = ours.uniform.records;
  const is = ours.importance.records;
  if (u.length === 0 || is.length === 0) return [claim, 'not comparable', {}, 'an arm has no finished epoch', 'an arm has no finished epoch'];
  const { column, note } = trainLossColumn(ours);
  const uLast = u[u.length - 1];
  const better = (r: EpochRecord) => ({
    loss: (metricValue(r, column) ?? NaN) < (metricValue(uLast, column) ?? NaN),
    val_loss: r.val_loss < uLast.val_loss,
    val_accuracy: r.val_accuracy > uLast.val_accuracy,
  });
  const early = is.filter((r) => r.epoch <= k);
  const hit = early.find((r) => Object.values(better(r)).every(Boolean));
  const shown = hit ?? early[early.length - 1] ?? is[0];
  const refIs = ref.importance.records[k - 1];
  const refU = ref.uniform.records[ref.uniform.records.length - 1];
  const numbers = {
    [`reference importance epoch ${k} loss / val_loss / val_acc`]: `${formatMetric(refIs.loss)} / ${formatMetric(refIs.val_loss)} / ${formatMetric(refIs.val_accuracy)}`,
    [`reference uniform epoch ${refU.epoch} loss / val_loss / val_acc`]: `${formatMetric(refU.loss)} / ${formatMetric(refU.val_loss)} / ${formatMetric(refU.val_accuracy)}`,
    [`ours ${ours.names.importance} epoch ${shown.epoch} ${column} / val_loss / val_acc`]: `${formatMetric(metricValue(shown, column) ?? NaN)} / ${formatMetric(shown.val_loss)} / ${formatMetric(shown.val_accuracy)}`,
    [`ours ${ours.names.uniform} epoch ${uLast.epoch} ${column} / val_loss / val_acc`]: `${formatMetric(metricValue(uLast, column) ?? NaN)} / ${formatMetric(uLast.val_loss)} / ${formatMetric(uLast.val_accuracy)}`,
  };
  const failed = Object.entries(better(shown)).filter(([, ok]) => !ok).map(([m]) => m);
  const refEpochs = ref.uniform.records.length;
  if (u.length < refEpochs && !ours.quick) {
    return [claim, 'not comparable', numbers, `uniform ran ${u.length} epochs; the claim is about ${refEpochs} (a quick run would be labelled as such)`, `uniform ran ${u.length} of ${refEpochs} epochs`];
  }
  const summary = hit
    ? `ours: all three better at epoch ${hit.epoch} (val_loss ${formatMetric(hit.val_loss)} vs ${formatMetric(uLast.val_loss)})`
    : `ours: by epoch ${shown.epoch} not better in ${failed.join(', ')} (val_loss ${formatMetric(shown.val_loss)} vs ${formatMetric(uLast.val_loss)}); the page: val_loss ${formatMetric(refIs.val_loss)} vs ${formatMetric(refU.val_loss)}`;
  const detail =
    (hit ? `all three better at importance epoch ${hit.epoch}` : `not all better by epoch ${Math.min(k, is.length)} (worse or equal: ${failed.join(', ')})`) +
    `; uniform compared at its last epoch (${uLast.epoch}); ${note}` +
    (u.length < ref.uniform.records.length ? `; uniform ran ${u.length} epochs, the reference ${ref.uniform.records.length}` : '');
  return [claim, verdictOf(hit !== undefined), numbers, detail, summary];
}

/** Epoch time of importance / uniform, within EPOCH_TIME_RATIO_TOLERANCE of the reference's. */
function epochTimeRatioClaim(ref: ClaimData, ours: ClaimData, pageText: string): ClaimOutcome {
  const refRatio = meanValue(ref.importance.records, 'epoch_time_s') / meanValue(ref.uniform.records, 'epoch_time_s');
  const claim = `an importance epoch takes ${refRatio.toFixed(1)}x a uniform one (${pageText})`;
  const ourU = meanValue(ours.uniform.records, 'epoch_time_s');
  const ourIs = meanValue(ours.importance.records, 'epoch_time_s');
  const ratio = ourIs / ourU;
  const numbers = {
    'reference uniform s/epoch': round(meanValue(ref.uniform.records, 'epoch_time_s'), 2),
    'reference importance s/epoch': round(meanValue(ref.importance.records, 'epoch_time_s'), 2),
    'reference ratio': round(refRatio, 2),
    'ours uniform s/epoch': round(ourU, 3),
    'ours importance s/epoch': round(ourIs, 3),
    'ours ratio': round(ratio, 2),
  };
  if (!Number.isFinite(ratio) || ourU <= 0) return [claim, 'not comparable', numbers, 'no epoch times', 'no epoch times'];
  const lo = refRatio / EPOCH_TIME_RATIO_TOLERANCE;
  const hi = refRatio * EPOCH_TIME_RATIO_TOLERANCE;
  const holds = ratio >= lo && ratio <= hi;
  return [
    claim,
    verdictOf(holds),
    numbers,
    `reproduced when our ratio is within ${lo.toFixed(2)}..${hi.toFixed(2)} (x/${EPOCH_TIME_RATIO_TOLERANCE} of the reference)`,
    `ours ${ratio.toFixed(2)}x (${ourIs.toFixed(2)} s / ${ourU.toFixed(2)} s), the page's ${refRatio.toFixed(2)}x`,
  ];
}

/** Final test accuracy (or the final val_accuracy when validation is the test set) of importance > uniform. */
function higherFinalTestAccuracy(ref: ClaimData, ours: ClaimData, text: string): ClaimOutcome {
  const r = finalAccuracies(ref);
  const o = finalAccuracies(ours);
  const claim = `${text} (${formatMetric(r.importance)} vs ${formatMetric(r.uniform)} in the reference)`;
  const numbers = {
    'reference importance': r.importance,
    'reference uniform': r.uniform,
    [`ours ${ours.names.importance}`]: round(o.importance, 4),
    [`ours ${ours.names.uniform}`]: round(o.uniform, 4),
  };
  if (!Number.isFinite(o.importance) || !Number.isFinite(o.uniform)) return [claim, 'not comparable', numbers, 'an arm has no final accuracy', 'an arm has no final accuracy'];
  return [claim, verdictOf(o.importance > o.uniform), numbers, `${o.source}${seedNote(ours)}`, accuracySummary(o, r)];
}

function accuracySummary(o: ReturnType<typeof finalAccuracies>, r: ReturnType<typeof finalAccuracies>): string {
  return `ours ${formatMetric(o.importance)} vs ${formatMetric(o.uniform)}, the page's ${formatMetric(r.importance)} vs ${formatMetric(r.uniform)}`;
}

function finalAccuracies(data: ClaimData): { uniform: number; importance: number; source: string } {
  const both = data.uniform.testAccuracy !== undefined && data.importance.testAccuracy !== undefined;
  if (both) return { uniform: data.uniform.testAccuracy!, importance: data.importance.testAccuracy!, source: 'final test accuracy' };
  return {
    uniform: finalValue(data.uniform.records, 'val_accuracy'),
    importance: finalValue(data.importance.records, 'val_accuracy'),
    source: 'final val_accuracy (no separate test accuracy recorded)',
  };
}

/**
 * Reuters: importance learns the training set faster per gradient update but slower per
 * second. Both are measured to the same training-loss level, the higher of the two final
 * losses (a level both arms reach), in cumulative steps and in seconds of each arm's clock.
 */
function perUpdateVersusPerSecond(ref: ClaimData, ours: ClaimData, unit: 'steps' | 'seconds'): ClaimOutcome {
  const claim =
    unit === 'steps'
      ? 'importance sampling learns the training set faster per gradient update'
      : 'importance sampling learns the training set slower per wall-clock second';
  const refM = stepsAndSecondsToCommonLoss(ref, 'loss');
  const { column, note } = trainLossColumn(ours);
  const m = stepsAndSecondsToCommonLoss(ours, column);
  const key = unit === 'steps' ? 'steps' : 'seconds';
  const numbers = {
    'reference training-loss level': round(refM?.level ?? NaN, 4),
    [`reference ${key} (uniform / importance)`]: refM ? `${round(refM.uniform[key], 2)} / ${round(refM.importance[key], 2)}` : null,
    [`ours ${column} level`]: round(m?.level ?? NaN, 4),
    [`ours ${key} (${ours.names.uniform} / ${ours.names.importance})`]: m ? `${round(m.uniform[key], 2)} / ${round(m.importance[key], 2)}` : null,
  };
  if (!m) return [claim, 'not comparable', numbers, `an arm has no finished epoch with ${column}`, `no common ${column} level`];
  const holds = unit === 'steps' ? m.importance.steps < m.uniform.steps : m.importance.seconds > m.uniform.seconds;
  const show = (x: { steps: number; seconds: number }) => (unit === 'steps' ? `${x.steps} steps` : `${x.seconds.toFixed(1)} s`);
  const summary =
    `ours ${show(m.importance)} vs ${show(m.uniform)} to ${column} ${formatMetric(m.level)}` +
    (refM ? `, the page's ${show(refM.importance)} vs ${show(refM.uniform)}` : '');
  return [claim, verdictOf(holds), numbers, `${key} to reach the higher of the two final training losses, at epoch ends; ${note}`, summary];
}

function stepsAndSecondsToCommonLoss(data: ClaimData, column: string) {
  const level = Math.max(finalValue(data.uniform.records, column), finalValue(data.importance.records, column));
  if (!Number.isFinite(level)) return null;
  const reach = (records: EpochRecord[]) => {
    const hit = timeToLevel(records, column, level, '<=');
    return hit ? { steps: hit.steps, seconds: hit.wallTimeS } : null;
  };
  const uniform = reach(data.uniform.records);
  const importance = reach(data.importance.records);
  return uniform && importance ? { level, uniform, importance } : null;
}

/** Reuters: importance overfits a bit: a lower final test accuracy than uniform. */
function overfitting(ref: ClaimData, ours: ClaimData): ClaimOutcome {
  const r = finalAccuracies(ref);
  const o = finalAccuracies(ours);
  const claim = `importance sampling overfits a bit: lower final test accuracy (${formatMetric(r.importance)} vs ${formatMetric(r.uniform)} in the reference)`;
  const rise = (records: EpochRecord[]) => finalValue(records, 'val_loss') - Math.min(...records.map((x) => x.val_loss).filter(Number.isFinite));
  const numbers = {
    'reference importance': round(r.importance, 4),
    'reference uniform': round(r.uniform, 4),
    [`ours ${ours.names.importance}`]: round(o.importance, 4),
    [`ours ${ours.names.uniform}`]: round(o.uniform, 4),
    [`ours val_loss rise from its best (${ours.names.uniform} / ${ours.names.importance})`]: `${round(rise(ours.uniform.records), 4)} / ${round(rise(ours.importance.records), 4)}`,
  };
  if (!Number.isFinite(o.importance) || !Number.isFinite(o.uniform)) return [claim, 'not comparable', numbers, 'an arm has no final accuracy', 'an arm has no final accuracy'];
  return [claim, verdictOf(o.importance < o.uniform), numbers, `${o.source}${seedNote(ours)}`, accuracySummary(o, r)];
}

function seedNote(data: ClaimData): string {
  return data.seeds > 1 ? `; means over ${data.seeds} seeds` : '';
}

function round(v: number, digits: number): number | null {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : null;
}

// ------------------------------------------------------------------ formatting

/** "reproduced", or "reproduced (quick run)". */
export function verdictLabel(v: ClaimVerdict): string {
  return v.quick ? `${v.verdict} (quick run)` : v.verdict;
}

/** Verdicts as a table: claim | verdict | numbers | how. */
export function verdictTable(verdicts: readonly ClaimVerdict[]): Table {
  return {
    header: ['claim', 'verdict', 'numbers', 'how'],
    rows: verdicts.map((v) => [
      v.claim,
      verdictLabel(v),
      Object.entries(v.numbers)
        .map(([k, x]) => `${k}: ${x === null ? 'n/a' : x}`)
        .join('; '),
      v.detail,
    ]),
    align: ['left', 'left', 'left', 'left'],
  };
}

/**
 * The reference's per-epoch numbers beside ours, one table per arm:
 * epoch | loss ref/ours | acc ref/ours | val_loss ref/ours | val_acc ref/ours | s ref/ours.
 */
export function reproductionTables(name: ReferenceSetupName, ours: ClaimData): { title: string; table: Table }[] {
  const setup = referenceSetup(name);
  const ref = referenceClaimData(setup);
  const side = (kind: 'uniform' | 'importance') => {
    const r = ref[kind].records;
    const o = ours[kind].records;
    const { epochs, bySeed: [refByEpoch, oursByEpoch] } = recordsByEpoch([r, o]);
    const cell = (rec: EpochRecord | undefined, get: (x: EpochRecord) => number, digits = 4) => {
      const value = rec === undefined ? NaN : get(rec);
      return Number.isFinite(value) ? (digits === 4 ? formatMetric(value) : value.toFixed(digits)) : '';
    };
    const rows = epochs.map((epoch) => {
      const a = refByEpoch.get(epoch);
      const b = oursByEpoch.get(epoch);
      return [
        String(epoch),
        cell(a, (x) => x.loss), cell(b, (x) => x.loss),
        cell(a, (x) => x.accuracy), cell(b, (x) => x.accuracy),
        cell(a, (x) => x.val_loss), cell(b, (x) => x.val_loss),
        cell(a, (x) => x.val_accuracy), cell(b, (x) => x.val_accuracy),
        cell(a, (x) => x.epoch_time_s, 0), cell(b, (x) => x.epoch_time_s, 2),
      ];
    });
    const command = setup[kind].command;
    const label = kind === 'uniform' ? ours.names.uniform : ours.names.importance;
    return {
      title: `${label} — reference: \`${command}\`; ours${ours.quick ? ' (quick run)' : ''}${ours.seeds > 1 ? `, mean of ${ours.seeds} seeds` : ''}`,
      table: {
        header: ['epoch', 'loss ref', 'loss ours', 'acc ref', 'acc ours', 'val_loss ref', 'val_loss ours', 'val_acc ref', 'val_acc ours', 's ref', 's ours'],
        rows,
      },
    };
  };
  return [side('uniform'), side('importance')];
}
