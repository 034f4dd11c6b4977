import { lossHistoryStrategy } from '../src/sampling/loss-history';
import { mixWithUniform } from '../src/sampling/mixture';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';
import { chiSquareCritical, pearsonStatistic } from './helpers/stats';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return lossHistoryStrategy.create(lossHistoryStrategy.params.parse(params), ctx.setup);
}

const n = 30;
const gnorm = Array.from({ length: n }, (_, i) => 0.1 + (i % 6));

describe('loss-history parameters', () => {
  it('defaults score gnorm, epsilon 0.1; unbiased', () => {
    expect(lossHistoryStrategy.params.parse({})).toEqual({ score: 'gnorm', epsilon: 0.1 });
    expect(lossHistoryStrategy.unbiased).toBe(true);
  });

  it.each([
    [{ epsilon: 0 }, 'epsilon'],
    [{ epsilon: 1.5 }, 'epsilon'],
    [{ score: 'full_gnorm' }, 'score'],
  ])('rejects %j naming the field', (params, field) => {
    const r = lossHistoryStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });
});

describe('loss-history', () => {
  it('draws over the whole set with p = (1 - eps) s / sum(s) + eps / N, weights 1 / (N p) (chi-square)', async () => {
    const b = 5;
    const ctx = new MockContext({ n, batchSize: b, seed: 6 });
    const s = create({ epsilon: 0.2 }, ctx);
    s.restore!({ scores: gnorm });
    const p = mixWithUniform(gnorm, 0.2);
    const counts = new Float64Array(n);
    let draws = 0;
    for (let e = 0; e < 300; e++) {
      const run = await runEpoch(s, ctx, { observe: false });
      expect(run.plans).toHaveLength(6);
      for (const plan of run.plans) {
        expect(plan.active).toBe(true);
        plan.indices.forEach((i, j) => {
          counts[i]++;
          expect(plan.weights![j]).toBeCloseTo(1 / (n * p[i]), 4);
        });
        draws += b;
      }
    }
    expect(ctx.scoreCalls).toHaveLength(0);
    expect(pearsonStatistic(counts, Array.from(p, (v) => v * draws))).toBeLessThan(chiSquareCritical(n - 1));
    expect(pearsonStatistic(counts, new Array(n).fill(draws / n))).toBeGreaterThan(chiSquareCritical(n - 1));
  });

  it('keeps the last score each training step reported, unseen samples at the mean of the seen', async () => {
    const ctx = new MockContext({ n: 4, batchSize: 2 });
    const s = create({ epsilon: 0.5 }, ctx);
    s.epochStart(ctx);
    const scores = (g: number[], l: number[]) => ({
      gnorm: Float32Array.from(g),
      loss: Float32Array.from(l),
      correct: new Uint8Array(g.length),
    });
    s.observe({ indices: Int32Array.from([0, 1]), weights: null }, scores([2, 4], [9, 9]), ctx);
    s.observe({ indices: Int32Array.from([0]), weights: null }, scores([6], [9]), ctx);
    expect(s.state!()).toEqual({ scores: [6, 4, null, null] });
    // s = [6, 4, 5, 5], sum 20: p = 0.5 * s / 20 + 0.125
    const plan = s.nextBatch(ctx) as { indices: Int32Array; weights: Float32Array };
    const expectedP = [0.275, 0.225, 0.25, 0.25];
    plan.indices.forEach((i, j) => expect(plan.weights[j]).toBeCloseTo(1 / (4 * expectedP[i]), 5));
    expect(s.diagnostics!()).toEqual({ seen_fraction: 0.5, score_mean: 5 });
    const byLoss = create({ score: 'loss' }, ctx);
    byLoss.observe({ indices: Int32Array.from([3]), weights: null }, scores([1], [7]), ctx);
    expect(byLoss.state!()).toEqual({ scores: [null, null, null, 7] });
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: 5, seed, scores: { gnorm } });
      return (await runEpochs(create({}, ctx), ctx, 2)).flatMap((r) => plansToJson(r.plans));
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
