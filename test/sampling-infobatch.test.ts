import { InfoBatchSampler, infoBatchKept, infoBatchPrunes, infoBatchStrategy } from '../src/sampling/infobatch';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';
import { linearModelGradients, relativeError } from './helpers/stats';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return infoBatchStrategy.create(infoBatchStrategy.params.parse(params), ctx.setup) as InfoBatchSampler;
}

const n = 40;
// losses 0..3.9: mean 1.95, samples 0..19 are below it
const loss = Array.from({ length: n }, (_, i) => i / 10);
const trainedAll = (s: InfoBatchSampler) => s.restore({ scores: loss });

describe('infobatch parameters', () => {
  it('defaults r = 0.5, delta = 0.875', () => {
    expect(infoBatchStrategy.params.parse({})).toEqual({ r: 0.5, delta: 0.875 });
  });

  it.each([
    [{ r: 1 }, 'r'],
    [{ r: 0.95 }, 'r'], // the original clamps its keep ratio at 0.1 at least
    [{ r: -0.1 }, 'r'],
    [{ delta: 0 }, 'delta'],
    [{ delta: 1.2 }, 'delta'],
  ])('rejects %j naming the field', (params, field) => {
    const r = infoBatchStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });
});

describe('infobatch schedule', () => {
  it('prunes while epoch + 1 <= delta * epochs, the original\'s boundary', () => {
    // 10 epochs, delta 0.875: 8.75, so 0-based epochs 0-7 prune and 8, 9 train on the full data
    expect(Array.from({ length: 10 }, (_, e) => infoBatchPrunes(e, 10, 0.875))).toEqual([...new Array(8).fill(true), false, false]);
    // 8 epochs: 7, so epochs 0-6 prune
    expect(Array.from({ length: 8 }, (_, e) => infoBatchPrunes(e, 8, 0.875))).toEqual([...new Array(7).fill(true), false]);
    // the paper's 200 epochs: 175 pruning epochs, 0-174
    expect(infoBatchPrunes(174, 200, 0.875)).toBe(true);
    expect(infoBatchPrunes(175, 200, 0.875)).toBe(false);
  });

  it('keeps int((1 - r) count) of the below-mean samples', () => {
    expect(infoBatchKept(20, 0.5)).toBe(10);
    expect(infoBatchKept(20, 0.3)).toBe(14);
    expect(infoBatchKept(7, 0.5)).toBe(3); // int(3.5)
    expect(infoBatchKept(9, 0.9)).toBe(0); // int(0.9000000000000000222)
    expect(infoBatchKept(0, 0.5)).toBe(0);
  });

  it('prunes nothing at epoch 0 (no loss known yet) and trains every sample once', async () => {
    const ctx = new MockContext({ n: 43, batchSize: 5, epochs: 10, scores: { loss: [...loss, 0, 0, 0] } });
    const run = await runEpoch(create({}, ctx), ctx);
    expect(run.diagnostics.pruned).toBe(0);
    expect(run.planned).toBe(9); // ceil(43 / 5)
    expect(run.plans).toHaveLength(9);
    const trained = run.plans.flatMap((p) => Array.from(p.indices)).sort((a, b) => a - b);
    expect(trained).toEqual(Array.from({ length: 43 }, (_, i) => i));
    expect(run.plans.every((p) => p.weights === null && p.active === false)).toBe(true);
  });

  it('keeps exactly int((1 - r) count) below-mean samples, drawn without replacement, weighted 1 / (1 - r); steps ceil(kept / b)', async () => {
    const r = 0.3;
    const prunedCount = new Float64Array(n);
    const trials = 400;
    const ctx = new MockContext({ n, batchSize: 6, epochs: 10, scores: { loss }, seed: 17 });
    const s = create({ r }, ctx);
    ctx.epoch = 1;
    for (let t = 0; t < trials; t++) {
      trainedAll(s);
      const run = await runEpoch(s, ctx, { observe: false });
      const trained = run.plans.flatMap((p) => Array.from(p.indices));
      const kept = new Set(trained);
      expect(trained).toHaveLength(kept.size); // each kept sample once
      // 20 samples below the mean 1.95: int(0.7 * 20) = 14 kept, 6 pruned, every epoch
      expect(trained.filter((i) => loss[i] < 1.95)).toHaveLength(14);
      expect(kept.size).toBe(34);
      expect(run.plans).toHaveLength(Math.ceil(34 / 6));
      expect(run.diagnostics.pruned).toBe(6);
      expect(run.diagnostics.loss_threshold).toBeCloseTo(1.95, 10);
      for (const plan of run.plans) {
        expect(plan.active).toBe(true);
        plan.indices.forEach((i, j) => expect(plan.weights![j]).toBeCloseTo(loss[i] < 1.95 ? 1 / (1 - r) : 1, 6));
      }
      for (let i = 0; i < n; i++) if (!kept.has(i)) prunedCount[i]++;
    }
    for (let i = 0; i < n; i++) {
      if (loss[i] >= 1.95) expect(prunedCount[i]).toBe(0);
      // each below-mean sample is among the 6 pruned of 20 with probability 0.3
      else expect(Math.abs(prunedCount[i] - r * trials)).toBeLessThan(4.5 * Math.sqrt(trials * r * (1 - r)));
    }
  });

  it('starts every score at 3, the original\'s initial value, so an untrained sample can count as below the mean', async () => {
    const ctx = new MockContext({ n: 4, batchSize: 2, epochs: 10, seed: 3 });
    const s = create({ r: 0.5 }, ctx);
    expect(s.state().scores).toEqual([3, 3, 3, 3]);
    // scores [0, 10, 3, 3]: mean 4, so 0, 2 and 3 are below it; int(0.5 * 3) = 1 of them is kept
    s.restore({ scores: [0, 10, 3, 3] });
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx, { observe: false });
    const trained = run.plans.flatMap((p) => Array.from(p.indices));
    expect(trained).toHaveLength(2);
    expect(trained).toContain(1);
    expect(run.diagnostics.pruned).toBe(2);
  });

  it('trains on the full data with weight 1 once annealing starts', async () => {
    const ctx = new MockContext({ n, batchSize: 6, epochs: 4, scores: { loss } });
    const runs = await runEpochs(create({ delta: 0.5 }, ctx), ctx, 4);
    expect(runs.map((r) => r.diagnostics.pruning)).toEqual([1, 1, 0, 0]);
    expect(runs[1].diagnostics.pruned).toBeGreaterThan(0);
    for (const run of runs.slice(2)) {
      expect(run.diagnostics.pruned).toBe(0);
      expect(run.plans).toHaveLength(7);
      expect(run.plans.every((p) => p.weights === null && p.active === false)).toBe(true);
    }
  });

  it('draws the pruning from the arm seed, not the epoch index', async () => {
    const pruned = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: 6, epochs: 10, scores: { loss }, seed });
      const s = create({}, ctx);
      trainedAll(s);
      ctx.epoch = 1;
      return plansToJson((await runEpoch(s, ctx)).plans);
    };
    expect(await pruned(1)).toEqual(await pruned(1));
    expect(await pruned(1)).not.toEqual(await pruned(2));
  });

  it('keeps the expected summed gradient of an epoch (Monte-Carlo on a linear model)', async () => {
    const { grads, mean } = linearModelGradients(n, 4);
    const ctx = new MockContext({ n, batchSize: 6, epochs: 10, scores: { loss }, seed: 23 });
    const s = create({}, ctx);
    ctx.epoch = 1;
    const weighted = new Float64Array(mean.length);
    const unweighted = new Float64Array(mean.length);
    const trials = 3000;
    for (let t = 0; t < trials; t++) {
      trainedAll(s);
      const run = await runEpoch(s, ctx, { observe: false });
      for (const plan of run.plans) {
        plan.indices.forEach((i, j) => {
          for (let k = 0; k < mean.length; k++) {
            weighted[k] += (plan.weights![j] * grads[i][k]) / (n * trials);
            unweighted[k] += grads[i][k] / (n * trials);
          }
        });
      }
    }
    expect(relativeError(weighted, mean)).toBeLessThan(0.03);
    expect(relativeError(unweighted, mean)).toBeGreaterThan(0.1); // control: pruning alone is biased
  });
});
