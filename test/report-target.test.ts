import { analyzeGroup, defaultTarget } from '../src/report/analysis';
import { UserError } from '../src/errors';
import { groupRuns } from '../src/report/merge';
import { makeTarget, parseTarget, timeToTarget } from '../src/report/target';
import { curve, memoryRun } from './report-fixtures';

// uniform: 4 s and 300 cost units per epoch; best val_loss 0.10 at epoch 4, then overfits.
const uniform = curve({ valLoss: [0.3, 0.2, 0.15, 0.1, 0.12, 0.14], epochTime: 4, cost: 300 });
// importance: 10 s and 600 cost units per epoch; reaches 0.10 at epoch 1.
const importance = curve({ valLoss: [0.09, 0.08, 0.07, 0.075, 0.08, 0.09], epochTime: 10, cost: 600 });
// slow: never gets below 0.12.
const slow = curve({ valLoss: [0.5, 0.4, 0.3, 0.2, 0.15, 0.12], epochTime: 1, cost: 100 });

describe('timeToTarget', () => {
  it('finds the first epoch end meeting the target, with the arm clock and summed cost units', () => {
    const hit = timeToTarget(uniform, makeTarget('val_loss', 0.15, 'test'));
    expect(hit).toEqual({ epoch: 3, wallTimeS: 12, costUnits: 900, steps: 30, value: 0.15 });
  });

  it('uses >= for accuracies', () => {
    const hit = timeToTarget(uniform, makeTarget('val_accuracy', 0.85, 'test'));
    expect(hit?.epoch).toBe(3);
  });

  it('answers null when the target is never reached', () => {
    expect(timeToTarget(slow, makeTarget('val_loss', 0.1, 'test'))).toBeNull();
  });

  it('reads train_loss from train_eval_loss, and asks for --eval-train when it is missing', () => {
    const withEval = curve({ valLoss: [0.3, 0.2], trainEvalLoss: [0.05, 0.01], epochTime: 1, cost: 1 });
    expect(timeToTarget(withEval, parseTarget('train_loss=0.02'))?.epoch).toBe(2);
    expect(() => timeToTarget(uniform, parseTarget('train_loss=0.02'), 'uniform')).toThrow(UserError);
    expect(() => timeToTarget(uniform, parseTarget('train_loss=0.02'), 'uniform')).toThrow(/--eval-train N/);
  });
});

describe('parseTarget', () => {
  it('parses metric=value with the direction of the metric', () => {
    expect(parseTarget('val_accuracy=0.98')).toMatchObject({ metric: 'val_accuracy', value: 0.98, direction: '>=' });
    expect(parseTarget('val_loss = 0.07')).toMatchObject({ metric: 'val_loss', value: 0.07, direction: '<=' });
  });

  it.each(['val_acc=0.9', 'val_loss', 'val_loss=abc', '=0.1', 'loss=0.1'])('rejects "%s" with a UserError naming the form', (text) => {
    expect(() => parseTarget(text)).toThrow(UserError);
    expect(() => parseTarget(text)).toThrow(/expected <metric>=<number>/);
  });
});

describe('speedup against the uniform arm', () => {
  const group = groupRuns([
    memoryRun({
      experiment: 'e',
      runId: 'r1',
      seed: 1,
      arms: [
        { name: 'uniform', strategy: 'uniform', records: uniform },
        { name: 'importance', strategy: 'upper-bound', records: importance },
        { name: 'slow', strategy: 'uniform', records: slow },
      ],
    }),
  ])[0];

  it('takes the uniform arm best (minimum) val_loss as the default target, not its final value', () => {
    const target = defaultTarget(group);
    expect(target.value).toBe(0.1);
    expect(target.metric).toBe('val_loss');
  });

  it('measures time and cost speedups, and epoch-time and cost ratios', () => {
    const analysis = analyzeGroup(group);
    const arm = analysis.arms.find((a) => a.name === 'importance')!;
    // uniform reaches 0.10 at epoch 4: 16 s, 1200 units; importance at epoch 1: 10 s, 600 units.
    expect(arm.seeds[0].hit).toMatchObject({ epoch: 1, wallTimeS: 10, costUnits: 600 });
    expect(arm.speedupTime.mean).toBeCloseTo(1.6, 12);
    expect(arm.speedupCost.mean).toBeCloseTo(2, 12);
    expect(arm.epochTimeRatio.mean).toBeCloseTo(2.5, 12);
    expect(arm.costRatio.mean).toBeCloseTo(2, 12);
    expect(arm.bestValLoss.mean).toBe(0.07);
    expect(arm.finalValLoss.mean).toBe(0.09);
  });

  it('reports "never reached" as no hit and no speedup', () => {
    const analysis = analyzeGroup(group);
    const arm = analysis.arms.find((a) => a.name === 'slow')!;
    expect(arm.reached).toBe(0);
    expect(arm.seeds[0].hit).toBeNull();
    expect(arm.speedupTime.n).toBe(0);
    expect(arm.timeToTarget.mean).toBeNaN();
  });

  it('uses a user target instead when given', () => {
    const analysis = analyzeGroup(group, { target: parseTarget('val_loss=0.15') });
    const slowArm = analysis.arms.find((a) => a.name === 'slow')!;
    expect(slowArm.seeds[0].hit?.epoch).toBe(5);
    // uniform reaches 0.15 at epoch 3 (12 s); slow at epoch 5 (5 s).
    expect(slowArm.speedupTime.mean).toBeCloseTo(12 / 5, 12);
  });
});
