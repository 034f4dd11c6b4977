import { UserError } from '../src/errors';
import { Rng } from '../src/rng';
import { ApproximateSampler, approximateStrategy } from '../src/sampling/approximate';
import { biasedStrategy } from '../src/sampling/biased';
import { biasedWeights } from '../src/sampling/reweighting';
import type { BatchPlan } from '../src/spec';
import { MockContext, runEpoch } from './helpers/mock-context';
import { chiSquareCritical, pearsonStatistic } from './helpers/stats';

const n = 40;
const gnorm = Array.from({ length: n }, (_, i) => 0.2 + (i % 8));
const loss = Array.from({ length: n }, (_, i) => 1 + (i % 3));

function biased(params: Record<string, unknown>, ctx: MockContext) {
  return biasedStrategy.create(biasedStrategy.params.parse(params), ctx.setup);
}

/**
 * An Rng that hands out fixed draws first: the candidates (uniformIndices) and the positions
 * drawn among them (categorical), so a step's weights can be checked against numbers worked
 * out by hand. Other draws come from the seeded stream.
 */
class ScriptedRng extends Rng {
  constructor(
    private readonly candidates: number[][],
    private readonly positions: number[][],
  ) {
    super(1);
  }

  override uniformIndices(n: number, k: number): Int32Array {
    const next = this.candidates.shift();
    if (!next) return super.uniformIndices(n, k);
    expect(next).toHaveLength(k);
    return Int32Array.from(next);
  }

  override categorical(weights: ArrayLike<number>, k: number): Int32Array {
    const next = this.positions.shift();
    if (!next) return super.categorical(weights, k);
    expect(next).toHaveLength(k);
    return Int32Array.from(next);
  }
}

/** Expected weights of a plan drawn from candidates with these (smoothed) scores. */
function expectedWeights(plan: BatchPlan, candidates: Int32Array, scores: ArrayLike<number>, k: number) {
  const positions = Int32Array.from(plan.indices, (i) => Array.from(candidates).indexOf(i));
  return biasedWeights(scores, positions, k);
}

describe('biased', () => {
  it('has the reference defaults', () => {
    expect(biasedStrategy.params.parse({})).toEqual({
      k: 0.5,
      smooth: 0,
      adaptive_smoothing: false,
      presample: 256,
      score: 'gnorm',
      forward_batch_size: 128,
    });
    expect(biasedStrategy.unbiased).toBe(false);
    expect(biasedStrategy.description).toMatch(/biased/);
  });

  it.each([
    [{ k: -0.1 }, 'k'],
    [{ k: 1.5 }, 'k'],
    [{ smooth: -1 }, 'smooth'],
    [{ presample: 12.5 }, 'presample'],
    [{ presample: 0 }, 'presample'],
    [{ adaptive_smoothing: 'yes' }, 'adaptive_smoothing'],
    [{ score: 'variance' }, 'score'],
    [{ forward_batch_size: 0 }, 'forward_batch_size'],
  ])('rejects %j naming the field', (params, field) => {
    const r = biasedStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });

  it('rejects presample <= batch size, naming presample', () => {
    const ctx = new MockContext({ n, batchSize: 16 });
    expect(() => biased({ presample: 16 }, ctx)).toThrow(UserError);
    expect(() => biased({ presample: 16 }, ctx)).toThrow(/presample/);
    expect(() => biased({ presample: 17 }, ctx)).not.toThrow();
  });

  it('scores `presample` candidates every step (no tau gate) and weights w^k rescaled', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm } });
    const s = biased({ presample: 10 }, ctx);
    const run = await runEpoch(s, ctx);
    expect(run.plans).toHaveLength(10);
    expect(ctx.scoreCalls).toHaveLength(10);
    run.plans.forEach((plan, t) => {
      const call = ctx.scoreCalls[t];
      expect(call.kind).toBe('gnorm');
      expect(call.indices).toHaveLength(10);
      expect(plan.active).toBe(true);
      const w = expectedWeights(plan, call.indices, call.result, 0.5);
      for (let j = 0; j < 4; j++) expect(plan.weights![j]).toBeCloseTo(w[j], 5);
    });
    const mean = ctx.scoreCalls.flatMap((c) => Array.from(c.result)).reduce((a, v) => a + v, 0) / 100;
    expect(run.diagnostics.score_mean).toBeCloseTo(mean, 5);
    expect(run.diagnostics.smoothing).toBe(0);
  });

  describe('the 2017 ImportanceTraining step, against hand-computed weights', () => {
    // four candidates with per-sample losses s = [1, 2, 3, 6] (mean 3); the draw picks positions
    // [3, 0, 1], i.e. s = 6, 1, 2. Unbiased weights w = mean(s) / s_i = [0.5, 3, 1.5], and
    // w . s = 0.5*6 + 3*1 + 1.5*2 = 9.
    // k = 1: w^1 . s = 9, rescale 1: weights [0.5, 3, 1.5].
    // k = 0.5: w^0.5 = [sqrt(0.5), sqrt(3), sqrt(1.5)] = [0.707107, 1.732051, 1.224745];
    //   w^0.5 . s = 6 sqrt(0.5) + sqrt(3) + 2 sqrt(1.5) = 4.242641 + 1.732051 + 2.449490 = 8.424181;
    //   rescale t = 9 / 8.424181 = 1.068353: weights [0.755440, 1.850442, 1.308460].
    const lossTable = [1, 2, 3, 6];
    const hand: Record<string, number[]> = {
      '1': [0.5, 3, 1.5],
      '0.5': [0.75544, 1.850442, 1.30846],
    };

    it.each([[1], [0.5]])('k = %p', async (k) => {
      const ctx = new MockContext({ n: 4, batchSize: 3, scores: { loss: lossTable, gnorm: [9, 9, 9, 9] } });
      ctx.rng = new ScriptedRng([[0, 1, 2, 3]], [[3, 0, 1]]);
      const s = biased({ k, presample: 4, score: 'loss', forward_batch_size: 2 }, ctx);
      s.epochStart(ctx);
      const plan = (await s.nextBatch(ctx))!;
      expect(ctx.scoreCalls).toHaveLength(1);
      expect(ctx.scoreCalls[0].kind).toBe('loss');
      expect(ctx.scoreCalls[0].options).toEqual({ forwardBatchSize: 2 });
      expect(Array.from(plan.indices)).toEqual([3, 0, 1]);
      hand[String(k)].forEach((w, j) => expect(plan.weights![j]).toBeCloseTo(w, 5));
    });
  });

  it('draws its candidates uniformly WITH replacement (repeats appear; counts pass chi-square)', async () => {
    const small = 8;
    const ctx = new MockContext({ n: small, batchSize: 4, seed: 7 });
    const s = biased({ presample: 64 }, ctx); // 64 candidates from 8 samples: only possible with replacement
    const counts = new Float64Array(small);
    for (let e = 0; e < 20; e++) {
      await runEpoch(s, ctx);
    }
    for (const c of ctx.scoreCalls) {
      expect(c.indices).toHaveLength(64);
      c.indices.forEach((i) => counts[i]++);
    }
    const total = counts.reduce((a, v) => a + v, 0);
    expect(pearsonStatistic(counts, new Array(small).fill(total / small))).toBeLessThan(chiSquareCritical(small - 1));
  });

  it('runs N // b steps per epoch, every one importance-sampled', async () => {
    const ctx = new MockContext({ n: 43, batchSize: 4 });
    const run = await runEpoch(biased({ presample: 8 }, ctx), ctx);
    expect(run.planned).toBe(10);
    expect(run.plans).toHaveLength(10);
    expect(run.plans.every((p) => p.active === true && p.indices.length === 4)).toBe(true);
  });

  it('k = 1 gives the unbiased weights mean(s) / s_i', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm } });
    const s = biased({ presample: 10, k: 1 }, ctx);
    const plan = (await runEpoch(s, ctx, { maxSteps: 100 })).plans[0];
    const { result } = ctx.scoreCalls[0];
    const mean = result.reduce((a, v) => a + v, 0) / result.length;
    plan.indices.forEach((i, j) => expect(plan.weights![j]).toBeCloseTo(mean / gnorm[i], 4));
  });

  it('draws with p proportional to s + c with additive smoothing (chi-square), weights from smoothed scores', async () => {
    const b = 4;
    const c = 2;
    const ctx = new MockContext({ n, batchSize: b, scores: { loss }, seed: 3 });
    const s = biased({ presample: 12, smooth: c, score: 'loss' }, ctx);
    const observed = new Float64Array(n);
    const expected = new Float64Array(n);
    for (let e = 0; e < 250; e++) {
      const before = ctx.scoreCalls.length;
      const run = await runEpoch(s, ctx);
      run.plans.forEach((plan, t) => {
        const call = ctx.scoreCalls[before + t];
        expect(call.kind).toBe('loss');
        const smoothed = Array.from(call.result, (v) => v + c);
        const total = smoothed.reduce((a, v) => a + v, 0);
        call.indices.forEach((i, k) => (expected[i] += (b * smoothed[k]) / total));
        plan.indices.forEach((i) => observed[i]++);
        const w = expectedWeights(plan, call.indices, smoothed, 0.5);
        for (let j = 0; j < b; j++) expect(plan.weights![j]).toBeCloseTo(w[j], 5);
      });
    }
    expect(pearsonStatistic(observed, expected)).toBeLessThan(chiSquareCritical(n - 1));
    expect(s.diagnostics!().smoothing).toBe(c);
  });

  it('adaptive smoothing adds pct * EMA of the presample mean', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm: new Array(n).fill(3) } });
    const s = biased({ presample: 8, smooth: 0.5, adaptive_smoothing: true }, ctx);
    ctx.step = 0;
    s.epochStart(ctx);
    await s.nextBatch(ctx); // m = 0.9 * 1 + 0.1 * 3 = 1.2
    expect(s.diagnostics!().smoothing).toBeCloseTo(0.6, 10);
    await s.nextBatch(ctx); // m = 0.9 * 1.2 + 0.3 = 1.38
    expect(s.diagnostics!().smoothing).toBeCloseTo(0.69, 10);
    const t = biased({ presample: 8, smooth: 0.5, adaptive_smoothing: true }, ctx);
    t.restore!(JSON.parse(JSON.stringify(s.state!())));
    expect(t.diagnostics!().smoothing).toBeCloseTo(0.69, 10);
  });
});

describe('approximate (per-sample EMA predictor)', () => {
  function approximate(params: Record<string, unknown>, ctx: MockContext) {
    return approximateStrategy.create(approximateStrategy.params.parse(params), ctx.setup) as ApproximateSampler;
  }

  it('has the defaults presample 2048, k 0.5, EMA predictor', () => {
    expect(approximateStrategy.params.parse({})).toEqual({
      k: 0.5,
      smooth: 0,
      adaptive_smoothing: false,
      presample: 2048,
      score: 'gnorm',
      predictor: 'ema',
      momentum: 0.5,
    });
    expect(approximateStrategy.description).toMatch(/EMA/);
    expect(approximateStrategy.description).toMatch(/biased/);
  });

  it.each([
    [{ k: -1 }, 'k'],
    [{ momentum: 1 }, 'momentum'],
    [{ predictor: 'lstm' }, 'predictor'],
    [{ presample: -5 }, 'presample'],
  ])('rejects %j naming the field', (params, field) => {
    const r = approximateStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });

  it('rejects presample <= batch size', () => {
    const ctx = new MockContext({ n, batchSize: 64 });
    expect(() => approximate({ presample: 64 }, ctx)).toThrow(/presample/);
  });

  it('predicts each sample by the EMA of its observed scores, unseen ones at the seen mean', () => {
    const ctx = new MockContext({ n, batchSize: 2 });
    const s = approximate({ presample: 8 }, ctx);
    expect(s.predict(5)).toBe(1); // nothing seen yet
    const plan: BatchPlan = { indices: Int32Array.from([3, 7]), weights: null };
    s.observe(plan, { loss: Float32Array.from([9, 9]), gnorm: Float32Array.from([2, 6]), correct: new Uint8Array(2) });
    expect(s.predict(3)).toBe(2);
    expect(s.predict(5)).toBe(4);
    s.observe(plan, { loss: Float32Array.from([9, 9]), gnorm: Float32Array.from([4, 6]), correct: new Uint8Array(2) });
    expect(s.predict(3)).toBe(3); // 0.5 * 2 + 0.5 * 4
    const l = approximate({ presample: 8, score: 'loss', momentum: 0.75 }, ctx);
    l.observe(plan, { loss: Float32Array.from([4, 1]), gnorm: Float32Array.from([0, 0]), correct: new Uint8Array(2) });
    l.observe(plan, { loss: Float32Array.from([8, 1]), gnorm: Float32Array.from([0, 0]), correct: new Uint8Array(2) });
    expect(l.predict(3)).toBe(5); // 0.75 * 4 + 0.25 * 8
  });

  it('never runs a scoring pass; draws from the presample with p proportional to the prediction (chi-square)', async () => {
    const b = 4;
    const presample = 12;
    const ctx = new MockContext({ n, batchSize: b, scores: { gnorm }, seed: 21 });
    const s = approximate({ presample, momentum: 0 }, ctx);
    await runEpoch(s, ctx); // every sample drawn has now been observed at its gnorm
    const observed = new Float64Array(n);
    const expected = new Float64Array(n);
    for (let t = 0; t < 3000; t++) {
      ctx.step = 0;
      s.epochStart(ctx);
      // replay the stream to see the candidates the strategy drew
      const replay = new Rng(0, ctx.rng.state());
      const candidates = replay.uniformIndices(n, presample);
      const predicted = Array.from(candidates, (i) => s.predict(i));
      const plan = s.nextBatch(ctx)!;
      const total = predicted.reduce((a, v) => a + v, 0);
      candidates.forEach((i, k) => (expected[i] += (b * predicted[k]) / total));
      plan.indices.forEach((i) => observed[i]++);
      const positions = Int32Array.from(plan.indices, (i) => Array.from(candidates).indexOf(i));
      const w = biasedWeights(predicted, positions, 0.5);
      for (let j = 0; j < b; j++) expect(plan.weights![j]).toBeCloseTo(w[j], 5);
    }
    expect(ctx.scoreCalls).toHaveLength(0);
    expect(pearsonStatistic(observed, expected)).toBeLessThan(chiSquareCritical(n - 1));
  });

  it('reports the seen fraction and restores its predictions from state()', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm } });
    const s = approximate({ presample: 8 }, ctx);
    const run = await runEpoch(s, ctx);
    const seen = new Set(run.plans.flatMap((p) => Array.from(p.indices))).size;
    expect(run.diagnostics.seen_fraction).toBeCloseTo(seen / n, 10);
    const t = approximate({ presample: 8 }, ctx);
    t.restore(JSON.parse(JSON.stringify(s.state())));
    for (let i = 0; i < n; i++) expect(t.predict(i)).toBeCloseTo(s.predict(i), 10);
  });
});
