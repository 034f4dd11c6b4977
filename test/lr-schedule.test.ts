/**
 * Learning-rate schedules: the formulas against hand-computed values, the arm applying them per
 * step (and composing them with a strategy's own factor), the CSV column and resume.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resolveExperiment } from '../src/config/load';
import type { ScheduleConfig } from '../src/config/schema';
import { UserError } from '../src/errors';
import { epochRecordsToCsv, parseEpochCsv } from '../src/record/epoch-csv';
import { orderedSgdStrategy } from '../src/sampling/ordered-sgd';
import { uniformStrategy } from '../src/sampling/uniform';
import type { Strategy } from '../src/spec';
import { restoreArmCheckpoint, saveArmCheckpoint } from '../src/train/checkpoint';
import { learningRateAt, scheduledRate } from '../src/train/lr-schedule';
import { learningRateOf } from '../src/train/optimizer';
import { smallExperiment } from './helpers/cli';
import { SMALL_SETUP, smallArms } from './helpers/small-arm';

const s = (schedule: Partial<ScheduleConfig>): ScheduleConfig => ({ name: 'constant', warmup: 0, ...schedule }) as ScheduleConfig;

describe('learningRateAt: each schedule against hand-computed rates (base 0.1, 100 steps)', () => {
  test('no schedule and constant: the base rate at every step', () => {
    expect(learningRateAt(undefined, 57, 100, 0.1)).toBe(0.1);
    expect(learningRateAt(s({ name: 'constant' }), 99, 100, 0.1)).toBe(0.1);
  });

  test('step: times factor every `every` steps (0.5 every 30)', () => {
    const step = s({ name: 'step', every: 30, factor: 0.5 });
    expect(learningRateAt(step, 29, 100, 0.1)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(step, 30, 100, 0.1)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(step, 65, 100, 0.1)).toBeCloseTo(0.025, 12);
    // the default factor is a tenfold drop
    expect(learningRateAt(s({ name: 'step', every: 30 }), 60, 100, 0.1)).toBeCloseTo(0.001, 12);
  });

  test('exponential: geometric from base to final (0.1 -> 0.001: 0.01 half way)', () => {
    const exp = s({ name: 'exponential', final: 0.001 });
    expect(learningRateAt(exp, 0, 100, 0.1)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(exp, 50, 100, 0.1)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(exp, 100, 100, 0.1)).toBeCloseTo(0.001, 12);
  });

  test('cosine: final + (base - final)(1 + cos(pi p)) / 2', () => {
    const cos = s({ name: 'cosine' });
    expect(learningRateAt(cos, 0, 100, 0.1)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(cos, 25, 100, 0.1)).toBeCloseTo(0.0853553390593, 12); // 0.1 (1 + 0.70710678) / 2
    expect(learningRateAt(cos, 50, 100, 0.1)).toBeCloseTo(0.05, 12);
    expect(learningRateAt(cos, 100, 100, 0.1)).toBeCloseTo(0, 12);
    expect(learningRateAt(s({ name: 'cosine', final: 0.02 }), 50, 100, 0.1)).toBeCloseTo(0.06, 12);
  });

  test('linear: straight from base to final', () => {
    expect(learningRateAt(s({ name: 'linear' }), 25, 100, 0.1)).toBeCloseTo(0.075, 12);
    expect(learningRateAt(s({ name: 'linear', final: 0.02 }), 75, 100, 0.1)).toBeCloseTo(0.04, 12);
    expect(learningRateAt(s({ name: 'linear' }), 100, 100, 0.1)).toBeCloseTo(0, 12);
  });

  test('warmup: the first W steps ramp by (step + 1) / W on top of the schedule', () => {
    const warm = s({ name: 'cosine', warmup: 10 });
    expect(learningRateAt(warm, 0, 100, 0.1)).toBeCloseTo(0.01, 12);
    // cosine at p = 0.04: 0.1 (1 + cos(0.04 pi)) / 2 = 0.0996057350, times 5/10
    expect(learningRateAt(warm, 4, 100, 0.1)).toBeCloseTo(0.0498028675, 9);
    expect(learningRateAt(warm, 10, 100, 0.1)).toBeCloseTo(0.0975528258, 9); // cos(0.1 pi) = 0.9510565163
    expect(learningRateAt(s({ name: 'constant', warmup: 4 }), 1, 100, 0.1)).toBeCloseTo(0.05, 12);
  });

  test('progress is clamped to [0, 1]: a budget overshot by a step stays at final', () => {
    expect(scheduledRate(s({ name: 'linear' }), { step: 500, progress: 1.02 }, 0.1)).toBe(0);
  });
});

describe('optimizer.schedule in a config', () => {
  const resolve = (schedule: unknown) => resolveExperiment(smallExperiment({ optimizer: { name: 'sgd', schedule } }), 'exp.yaml', os.tmpdir());

  test('is resolved with its defaults', () => {
    expect(resolve({ name: 'cosine' }).optimizer.schedule).toEqual({ name: 'cosine', warmup: 0 });
  });

  test.each([
    [{ name: 'step' }, /optimizer\.schedule\.every.*needs every/],
    [{ name: 'exponential' }, /optimizer\.schedule\.final.*needs final/],
    [{ name: 'cosine', warmup: -1 }, /optimizer\.schedule\.warmup/],
    [{ name: 'wiggle' }, /optimizer\.schedule\.name must be one of constant, step, exponential, cosine, linear/],
    [{ name: 'linear', finale: 0 }, /unknown key "finale"/],
  ])('%j is rejected naming the field', (schedule, message) => {
    expect(() => resolve(schedule)).toThrow(UserError);
    expect(() => resolve(schedule)).toThrow(message);
  });
});

describe('the arm applies the schedule before every step', () => {
  const arm = smallArms();
  const newArm = (strategy: Strategy, schedule: ScheduleConfig | undefined) => arm({ strategy, schedule });
  const uniform = () => uniformStrategy.create({}, SMALL_SETUP);

  test('linear to zero over 2 epochs of 6 steps: the lr column holds the last step rate, the optimizer has it', async () => {
    const arm = newArm(uniform(), s({ name: 'linear' }));
    const first = (await arm.runEpoch(0))!;
    // the last step of epoch 1 is step 5 of 12: progress 5/12
    expect(first.extra.lr).toBeCloseTo(0.1 * (1 - 5 / 12), 7);
    const second = (await arm.runEpoch(1))!;
    expect(second.extra.lr).toBeCloseTo(0.1 / 12, 7);
    expect(learningRateOf(arm.options.session.optimizer)).toBeCloseTo(0.1 / 12, 7);
    expect(arm.globalStep).toBe(12);
    arm.options.session.dispose();
  });

  test("a strategy's own factor multiplies the scheduled rate (ordered SGD's last-level decay)", async () => {
    // accuracy_steps [0.01]: reached after epoch 1, so epoch 2 trains at the schedule times 0.1
    const osgd = orderedSgdStrategy.create(orderedSgdStrategy.params.parse({ accuracy_steps: [0.01], last_level_lr_factor: 0.1 }), SMALL_SETUP);
    const arm = newArm(osgd, s({ name: 'linear' }));
    const first = (await arm.runEpoch(0))!;
    expect(first.extra.lr).toBeCloseTo(0.1 * (7 / 12), 7);
    const second = (await arm.runEpoch(1))!;
    expect(second.extra.lr).toBeCloseTo((0.1 / 12) * 0.1, 8);
    arm.options.session.dispose();
  });

  test('the lr column survives the CSV round trip', async () => {
    const arm = newArm(uniform(), s({ name: 'cosine' }));
    await arm.runEpoch(0);
    const { records } = parseEpochCsv(epochRecordsToCsv(arm.records, ['lr']), 'arm.csv');
    expect(records[0].extra.lr).toBeCloseTo(arm.records[0].extra.lr, 7);
    arm.options.session.dispose();
  });

  test('a resumed arm continues the schedule from its checkpointed step', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'is-bench-schedule-'));
    const straight = newArm(uniform(), s({ name: 'cosine' }));
    await straight.runEpoch(0);
    await saveArmCheckpoint(dir, straight);
    const resumed = newArm(uniform(), s({ name: 'cosine' }));
    await restoreArmCheckpoint(dir, resumed, straight.records, path.join(dir, 'uniform.csv'));
    expect(resumed.globalStep).toBe(6);
    const a = (await straight.runEpoch(1))!;
    const b = (await resumed.runEpoch(1))!;
    expect(b.extra.lr).toBeCloseTo(0.1 * (1 + Math.cos((Math.PI * 11) / 12)) / 2, 7);
    expect(b.extra.lr).toBe(a.extra.lr);
    expect(b.val_loss).toBeCloseTo(a.val_loss, 6);
    straight.options.session.dispose();
    resumed.options.session.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
