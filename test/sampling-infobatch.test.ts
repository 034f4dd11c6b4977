import { InfoBatchSampler, infoBatchPrunes, infoBatchStrategy } from '../src/sampling/infobatch';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';
import { linearModelGradients, relativeError } from './helpers/stats';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return infoBatchStrategy.create(infoBatchStrategy.params.parse(params), ctx.setup) as InfoBatchSampler;
}

const n = 40;
// losses 0..3.9: mean 1.95, samples 0..19 are below it
const loss = Array.from({ length: n }, (_, i) => i / 10);
const trainedAll = (s: InfoBatchSampler) => s.restore({ losses: loss });

describe('infobatch parameters', () => {
  it('defaults r = 0.5, delta = 0.875', () => {
    expect(infoBatchStrategy.params.parse({})).toEqual({ r: 0.5, delta: 0.875 });
  });

  it.each([
    [{ r: 1 }, 'r'],
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
  it('prunes while epoch < delta * epochs (10 epochs, delta 0.875: epochs 0-8, full data at 9)', () => {
    expect(Array.from({ length: 10 }, (_, e) => infoBatchPrunes(e, 10, 0.875))).toEqual([
      ...new Array(9).fill(true),
      false,
    ]);
    expect(Array.from({ length: 8 }, (_, e) => infoBatchPrunes(e, 8, 0.875))).toEqual([
      ...new Array(7).fill(true),
      false,
    ]);
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

  it('prunes below-mean samples with probability r, weights the kept ones 1 / (1 - r), steps ceil(kept / b)', async () => {
    const r = 0.3;
    const prunedCount = new Float64Array(n);
    const trials = 400;
    const ctx = new MockContext({ n, batchSize: 6, epochs: 10, scores: { loss }, seed: 17 });
    const s = create({ r }, ctx);
    ctx.epoch = 1;
    for (let t = 0; t < trials; t++) {
      trainedAll(s);
      const run = await runEpoch(s, ctx, { observe: false });
      const kept = new Set<number>();
      for (const plan of run.plans) {
        expect(plan.active).toBe(true);
        plan.indices.forEach((i, j) => {
          kept.add(i);
          expect(plan.weights![j]).toBeCloseTo(loss[i] < 1.95 ? 1 / (1 - r) : 1, 6);
        });
      }
      expect(run.plans).toHaveLength(Math.ceil(kept.size / 6));
      expect(run.plans.reduce((a, p) => a + p.indices.length, 0)).toBe(kept.size); // each once
      expect(run.diagnostics.pruned).toBe(n - kept.size);
      expect(run.diagnostics.loss_threshold).toBeCloseTo(1.95, 10);
      for (let i = 0; i < n; i++) if (!kept.has(i)) prunedCount[i]++;
    }
    for (let i = 0; i < n; i++) {
      if (loss[i] >= 1.95) expect(prunedCount[i]).toBe(0);
      // binomial(400, 0.3): mean 120, sd 9.2
      else expect(Math.abs(prunedCount[i] - r * trials)).toBeLessThan(4.5 * Math.sqrt(trials * r * (1 - r)));
    }
  });

  it('never prunes a sample it has not trained on', async () => {
    const ctx = new MockContext({ n: 4, batchSize: 2, epochs: 10, seed: 3 });
    const s = create({ r: 0.99 }, ctx);
    s.restore({ losses: [0, 10, null, null] });
    ctx.epoch = 1;
    const kept = new Set<number>();
    for (let t = 0; t < 20; t++) {
      s.restore({ losses: [0, 10, null, null] });
      (await runEpoch(s, ctx, { observe: false })).plans.forEach((p) => p.indices.forEach((i) => kept.add(i)));
    }
    expect(kept.has(2) && kept.has(3) && kept.has(1)).toBe(true);
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
