/**
 * Budgeted runs: the --budget grammar and the budget block, an arm trained to fractions of a
 * cost budget (across epoch ends, stopping inside them, the schedule following the budget), the
 * equal-budget comparison paired by seed and its headline, and a budgeted run from the CLI.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { budgetLabel, budgetMeter, evaluationFractions, parseBudget } from '../src/config/budget';
import { applyOverrides, loadExperiment, resolveExperiment } from '../src/config/load';
import type { ScheduleConfig } from '../src/config/schema';
import { UserError } from '../src/errors';
import { parseEpochCsv } from '../src/record/epoch-csv';
import { readRunSummary } from '../src/record/run-summary';
import type { ExperimentAnalysis } from '../src/report/analysis';
import { noTrainNoGainVerdict, paperClaimVerdict } from '../src/report/budget-study';
import { equalBudgetComparisons, equalBudgetHeadline } from '../src/report/equal-budget';
import { pairedRelativeDifference } from '../src/report/stats';
import type { EpochRecord } from '../src/spec';
import type { BudgetMeter } from '../src/train/arm';
import { runCli, smallExperiment, writeConfig } from './helpers/cli';
import { record } from './report-fixtures';
import { smallArms } from './helpers/small-arm';

describe('--budget grammar', () => {
  test.each([
    ['60s', { seconds: 60 }],
    ['1.5m', { seconds: 90 }],
    ['cost:1e6', { cost: 1e6 }],
    ['cost:250000', { cost: 250000 }],
    ['uniform-epochs:3', { uniformEpochs: 3 }],
    ['uniform-epochs:0.5', { uniformEpochs: 0.5 }],
  ])('%s', (text, budget) => expect(parseBudget(text)).toEqual(budget));

  test.each(['60', '5h', 'cost:', 'cost:-3', 'uniform-epochs:0', 'seconds:60', '1e6'])('%s is a UserError that gives the grammar', (text) => {
    expect(() => parseBudget(text)).toThrow(UserError);
    expect(() => parseBudget(text)).toThrow(/expected <seconds>s, <minutes>m, cost:<units> or uniform-epochs:<E>/);
  });

  test('a uniform epoch costs 3 N (every sample forward once, backward once)', () => {
    expect(budgetMeter({ uniformEpochs: 2.5, evaluations: 10 }, 1000)).toEqual({ kind: 'cost', total: 7500 });
    expect(budgetMeter({ seconds: 30, evaluations: 10 }, 1000)).toEqual({ kind: 'seconds', total: 30 });
    expect(budgetLabel({ cost: 1e6 })).toBe('1e6 cost units');
    expect(evaluationFractions(4)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  test('the budget block: exactly one kind, evaluations default 10', () => {
    const resolve = (budget: unknown) => resolveExperiment(smallExperiment({ budget }), 'exp.yaml', os.tmpdir());
    expect(resolve({ seconds: 60 }).budget).toEqual({ seconds: 60, evaluations: 10 });
    expect(() => resolve({ seconds: 60, cost: 5 })).toThrow(/budget.*exactly one of seconds, cost or uniformEpochs/);
    expect(() => resolve({ evaluations: 3 })).toThrow(/exactly one of/);
    expect(() => resolve({ minutes: 3 })).toThrow(/unknown key "minutes"/);
  });
});

describe('an arm trained to fractions of a cost budget', () => {
  const arm = smallArms();
  const newArm = (budget: BudgetMeter, schedule?: ScheduleConfig) => arm({ budget, schedule });

  // 48 samples, b = 8: a step costs 24 units, an epoch 144; two uniform epochs are 288 units
  test('four evaluations of 2 uniform epochs: 3 steps each, inside and across epoch ends, the linear schedule reaching zero at the end', async () => {
    const arm = newArm({ kind: 'cost', total: 288 }, { name: 'linear', warmup: 0 });
    const rows: EpochRecord[] = [];
    for (const f of evaluationFractions(4)) rows.push((await arm.runToBudgetFraction(f))!);
    expect(rows.map((r) => r.steps)).toEqual([3, 3, 3, 3]);
    expect(rows.map((r) => r.cost_units)).toEqual([72, 72, 72, 72]);
    expect(rows.map((r) => r.extra.budget_fraction)).toEqual([0.25, 0.5, 0.75, 1]);
    // the second row stops at the last step of epoch 1 before its end; the third is inside epoch 2
    expect(rows.map((r) => r.epoch)).toEqual([1, 1, 2, 2]);
    expect(rows.map((r) => r.extra.epochs_ended)).toEqual([0, 0, 1, 1]);
    // step k (0-based) starts with 24k of 288 spent: lr = 0.1 (1 - k / 12); each row's last step is k = 2, 5, 8, 11
    [2, 5, 8, 11].forEach((k, i) => expect(rows[i].extra.lr).toBeCloseTo(0.1 * (1 - k / 12), 7));
    expect(arm.status).toBe('finished');
    arm.options.session.dispose();
  });

  test('a budget that does not fall on a step boundary is overshot by less than one step', async () => {
    const arm = newArm({ kind: 'cost', total: 100 });
    const rows: EpochRecord[] = [];
    for (const f of evaluationFractions(2)) rows.push((await arm.runToBudgetFraction(f))!);
    // steps of 24 units: half the budget (50) takes 3 steps (48 is short of it), the rest 2 more (120 >= 100)
    expect(rows.map((r) => r.steps)).toEqual([3, 2]);
    expect(rows[1].extra.budget_fraction).toBeCloseTo(120 / 100, 12);
    arm.options.session.dispose();
  });

  test("a seconds budget is spent on the arm's own clock: wall_time_s reaches it", async () => {
    const arm = newArm({ kind: 'seconds', total: 0.02 });
    const last = (await arm.runToBudgetFraction(1))!;
    expect(last.wall_time_s).toBeGreaterThanOrEqual(0.02);
    expect(last.extra.budget_fraction).toBeGreaterThanOrEqual(1);
    expect(last.extra.budget_fraction).toBeCloseTo(last.wall_time_s / 0.02, 9);
    arm.options.session.dispose();
  });

  test('a stop request is heard even at a fraction already spent (no step to check it before)', async () => {
    // a step (24 units) spends more than a tenth of 100 units: the second fraction trains nothing
    const arm = newArm({ kind: 'cost', total: 100 });
    expect((await arm.runToBudgetFraction(0.1))!.steps).toBe(1);
    expect(await arm.runToBudgetFraction(0.2, undefined, () => true)).toBeNull();
    expect(arm.status).toBe('interrupted');
    expect(arm.records).toHaveLength(1);
    arm.options.session.dispose();
  });

  test('tensors stay flat over a budgeted arm', async () => {
    const arm = newArm({ kind: 'cost', total: 288 });
    await arm.runToBudgetFraction(0.5);
    const before = tf.memory().numTensors;
    await arm.runToBudgetFraction(1);
    expect(tf.memory().numTensors).toBe(before);
    arm.options.session.dispose();
  });
});

describe('pairedRelativeDifference: per-seed log ratios with a t interval (hand-computed)', () => {
  test('two seeds, ratios 0.9 and 0.8: geometric mean ratio sqrt(0.72), t(0.975, 1) = 12.706', () => {
    const d = pairedRelativeDifference([0.9, 0.8], [1, 1]);
    expect(d.relative).toBeCloseTo(Math.sqrt(0.72) - 1, 12); // -0.151472
    expect(d.lo).toBeCloseTo(-0.5984967762, 8);
    expect(d.hi).toBeCloseTo(0.7932608191, 8);
    expect(d.significant).toBe(false);
    expect(d.armMean).toBeCloseTo(0.85, 12);
    expect(d.baselineMean).toBe(1);
  });

  test('three seeds, ratios 0.90, 0.92, 0.88: significant, the interval below 0', () => {
    const d = pairedRelativeDifference([0.018, 0.0184, 0.0176], [0.02, 0.02, 0.02]);
    expect(d.relative).toBeCloseTo(-0.1001481725, 8);
    expect(d.lo).toBeCloseTo(-0.1484852456, 8);
    expect(d.hi).toBeCloseTo(-0.049067198, 8);
    expect(d.significant).toBe(true);
  });

  test('pairs with a zero or missing value are left out, one pair gives no interval', () => {
    const d = pairedRelativeDifference([0.5, NaN, 0.3], [0, 0.2, 0.4]);
    expect(d.n).toBe(1);
    expect(d.relative).toBeCloseTo(-0.25, 12);
    expect(d.lo).toBeNaN();
    expect(d.significant).toBe(false);
  });
});

describe('the equal-budget comparison and headline', () => {
  const finalRow = (valAccuracy: number) => [record({ epoch: 3, val_accuracy: valAccuracy, extra: { budget_fraction: 1 } })];
  const analysis = (budget: object, arm: number[], base: number[], statuses: string[] = []) =>
    ({
      group: { runs: [{ summary: { config: { budget } } }] },
      seeds: base.map((_, i) => i),
      arms: [
        { name: 'uniform', isBaseline: true, seeds: base.map((e, i) => ({ seed: i, status: 'finished', records: finalRow(1 - e) })) },
        { name: 'importance', isBaseline: false, seeds: arm.map((e, i) => ({ seed: i, status: statuses[i] ?? 'finished', records: finalRow(1 - e) })) },
      ],
    }) as unknown as ExperimentAnalysis;

  test('the headline of a significant difference', () => {
    const [c] = equalBudgetComparisons(analysis({ seconds: 60, evaluations: 10 }, [0.018, 0.0184, 0.0176], [0.02, 0.02, 0.02]));
    expect(c.metric).toBe('val_error');
    expect(equalBudgetHeadline(c)).toBe('importance: val error 1.80% vs uniform 2.00% at 60 s (-10.0% relative, 95% CI -14.8% .. -4.9%, 3 seeds)');
  });

  test('an interval that spans 0 says not significant; a seed whose arm diverged is not paired', () => {
    const [c] = equalBudgetComparisons(analysis({ cost: 1e6, evaluations: 10 }, [0.018, 0.016, 0.5], [0.02, 0.02, 0.02], ['finished', 'finished', 'diverged']));
    expect(c.difference.n).toBe(2);
    expect(equalBudgetHeadline(c)).toMatch(/^importance: val error 1\.70% vs uniform 2\.00% at 1e6 cost units \(-15\.1% relative, 95% CI -59\.8% \.\. \+79\.3%, 2 seeds of 3\) — not significant$/);
  });

  test('an epoch run has no equal-budget comparison', () => {
    expect(equalBudgetComparisons(analysis(undefined as unknown as object, [0.1], [0.1]))).toEqual([]);
  });
});

describe('a budgeted run from the CLI', () => {
  test('--budget uniform-epochs:1 with 4 evaluations: a row per evaluation, summary and headline at equal budget', async () => {
    const file = writeConfig(smallExperiment({ budget: { cost: 1, evaluations: 4 }, optimizer: { name: 'adam', schedule: { name: 'cosine' } } }));
    const out = path.dirname(file);
    const r = await runCli('run', file, '--budget', 'uniform-epochs:1', '--no-progress', '--out', out, '--backend', 'cpu');
    expect(r.code).toBe(0);
    expect(r.out + r.err).toMatch(/importance: val error [\d.]+% vs uniform [\d.]+% at 1 uniform epoch \(/);
    const runDir = path.join(out, 'tiny', fs.readdirSync(path.join(out, 'tiny'))[0]);
    const { records } = parseEpochCsv(fs.readFileSync(path.join(runDir, 'uniform.csv'), 'utf8'), 'uniform.csv');
    // 300 samples, b = 16: 900 units, evaluations at 225, 450, 675, 900; steps cost 48, the epoch's last (12 samples) 36
    expect(records.map((x) => x.extra.budget_fraction)).toEqual([240 / 900, 480 / 900, 720 / 900, 900 / 900].map((v) => Number(v.toPrecision(8))));
    expect(records[3].extra.lr).toBeLessThan(records[0].extra.lr);
    const summary = readRunSummary(runDir);
    expect(summary.config.budget).toEqual({ uniformEpochs: 1, evaluations: 4 });
    expect(summary.equalBudget).toEqual([
      expect.objectContaining({ arm: 'importance', baseline: 'uniform', budget: '1 uniform epoch', metric: 'val_error' }),
    ]);
    expect(fs.existsSync(path.join(runDir, 'val-error-vs-budget.svg'))).toBe(true);
    expect(fs.existsSync(path.join(runDir, 'checkpoints'))).toBe(false);
    const resumed = await runCli('resume', runDir, '--no-progress', '--backend', 'cpu');
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/a budgeted run cannot be resumed/);
  });

  test('a bad --budget is a usage error naming the grammar', async () => {
    const file = writeConfig(smallExperiment());
    const r = await runCli('run', file, '--budget', '10 parsecs', '--no-progress', '--out', path.dirname(file));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--budget.*expected <seconds>s, <minutes>m, cost:<units> or uniform-epochs:<E>/);
  });
});

describe('the study verdicts, from the intervals', () => {
  const comparison = (relative: number, lo: number, hi: number, n = 5) =>
    ({ arm: 'importance', baseline: 'uniform', budget: '60 s', metric: 'val_error', seeds: n, difference: { n, armMean: 0.9, baselineMean: 1, relative, lo, hi, significant: n >= 2 && (hi < 0 || lo > 0) } }) as const;

  test("the paper's at-least-5% claim: supported below -5%, contradicted above, inconclusive across", () => {
    expect(paperClaimVerdict(comparison(-0.1, -0.141, -0.069))).toBe('supported');
    expect(paperClaimVerdict(comparison(-0.1, -0.148, -0.049))).toBe('inconclusive');
    expect(paperClaimVerdict(comparison(0.01, -0.03, 0.05))).toBe('contradicted');
    expect(paperClaimVerdict(comparison(-0.2, NaN, NaN, 1))).toBe('inconclusive');
  });

  test("No Train No Gain's finding holds unless an arm is significantly better than uniform", () => {
    const cell = (cs: ReturnType<typeof comparison>[]) => ({ budget: { seconds: 60 }, x: 60, errors: [], comparisons: cs as never });
    expect(noTrainNoGainVerdict(cell([comparison(-0.02, -0.08, 0.04), comparison(0.3, 0.1, 0.5)]))).toEqual({ consistent: true, beatUniform: [] });
    expect(noTrainNoGainVerdict(cell([comparison(-0.1, -0.141, -0.069)]))).toEqual({ consistent: false, beatUniform: ['importance'] });
  });
});

describe('the epochs a budget stands for', () => {
  // budget-reuters-mlp's config says epochs: 2; InfoBatch anneals over delta * epochs
  const { config } = loadExperiment('budget-reuters-mlp');

  test('--budget uniform-epochs:E tells strategies E epochs (rounded up), unless --epochs is given', () => {
    expect(config.epochs).toBe(2);
    expect(applyOverrides(config, { budget: { uniformEpochs: 5 } }).epochs).toBe(5);
    expect(applyOverrides(config, { budget: { uniformEpochs: 0.25 } }).epochs).toBe(1);
    expect(applyOverrides(config, { budget: { uniformEpochs: 2.5 } }).epochs).toBe(3);
    expect(applyOverrides(config, { budget: { uniformEpochs: 5 }, epochs: 7 }).epochs).toBe(7);
  });

  test('a cost or seconds budget leaves the config\'s epochs', () => {
    expect(applyOverrides(config, { budget: { cost: 1e6 } }).epochs).toBe(2);
    expect(applyOverrides(config, { budget: { seconds: 60 } }).epochs).toBe(2);
  });
});
