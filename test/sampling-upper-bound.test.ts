import { UserError } from '../src/errors';
import { Rng } from '../src/rng';
import type { SampleScores } from '../src/spec';
import { defaultTauThreshold, upperBoundStrategy, UpperBoundSampler } from '../src/sampling/upper-bound';
import { emaUpdate, unbiasedWeights, varianceReductionTau } from '../src/sampling/variance-reduction';
import { MockContext, plansToJson, runEpoch } from './helpers/mock-context';
import { batchGradient, chiSquareCritical, linearModelGradients, pearsonStatistic, relativeError } from './helpers/stats';

const create = (params: Record<string, unknown>, ctx: MockContext) =>
  upperBoundStrategy.create(upperBoundStrategy.params.parse(params), ctx.setup) as UpperBoundSampler;

const scoresOf = (gnorm: number[], loss = gnorm): SampleScores => ({
  loss: Float32Array.from(loss),
  gnorm: Float32Array.from(gnorm),
  correct: new Uint8Array(gnorm.length),
});

describe('varianceReductionTau (hand-computed)', () => {
  it('is 1 for equal scores: importance sampling changes nothing', () => {
    expect(varianceReductionTau([1, 1, 1, 1])).toBeCloseTo(1, 12);
    expect(varianceReductionTau([5, 5])).toBeCloseTo(1, 12);
  });

  it('is 2 for [1, 0, 0, 0]: g = [1,0,0,0], sum((g-u)^2) = 0.75, sum(g^2) = 1, 1/sqrt(0.25)', () => {
    expect(varianceReductionTau([1, 0, 0, 0])).toBeCloseTo(2, 12);
    expect(varianceReductionTau([7, 0, 0, 0])).toBeCloseTo(2, 12); // scale-free
  });

  it('is 1/sqrt(0.8) for [3, 1]: g = [.75,.25], sum((g-u)^2) = .125, sum(g^2) = .625', () => {
    expect(varianceReductionTau([3, 1])).toBeCloseTo(1 / Math.sqrt(0.8), 12);
  });

  it('is 1 when all scores are 0', () => {
    expect(varianceReductionTau([0, 0, 0])).toBe(1);
  });

  it('moves as an EMA with momentum 0.9 from 0', () => {
    expect(emaUpdate(0, 2)).toBeCloseTo(0.2, 12);
    expect(emaUpdate(0.2, 2)).toBeCloseTo(0.38, 12);
  });
});

describe('upper-bound parameters', () => {
  it('defaults to presample 3, gnorm, tau_th = (B + 3b) / 3b = 2', () => {
    const p = upperBoundStrategy.params.parse({});
    expect(p).toEqual({ presample: 3, score: 'gnorm' });
    const ctx = new MockContext({ n: 100, batchSize: 8 });
    const s = create({}, ctx);
    expect(s.presampleSize).toBe(24);
    expect(s.tauThreshold).toBeCloseTo(2, 12);
    expect(defaultTauThreshold(40, 8)).toBeCloseTo(64 / 24, 12);
    expect(create({ tau_th: 1.5 }, ctx).tauThreshold).toBe(1.5);
  });

  it.each([
    [{ presample: 1 }, 'presample'],
    [{ presample: 'three' }, 'presample'],
    [{ tau_th: 0.5 }, 'tau_th'],
    [{ score: 'grad' }, 'score'],
  ])('rejects %j naming the field', (params, field) => {
    const r = upperBoundStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });

  it('rejects unknown keys', () => {
    const r = upperBoundStrategy.params.safeParse({ presampel: 3 });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].code).toBe('unrecognized_keys');
  });

  it('rejects a presample that gives no more candidates than the batch, naming presample', () => {
    const ctx = new MockContext({ n: 100, batchSize: 10 });
    expect(() => create({ presample: 1.05 }, ctx)).toThrow(UserError);
    expect(() => create({ presample: 1.05 }, ctx)).toThrow(/presample/);
  });
});

describe('upper-bound switching', () => {
  it('starts uniform (tau = 0): b indices with replacement, no weights, no scoring pass', async () => {
    const ctx = new MockContext({ n: 50, batchSize: 5 });
    const s = create({}, ctx);
    expect(s.epochStart(ctx)).toBe(10);
    const plan = await s.nextBatch(ctx);
    expect(plan).not.toBeNull();
    expect(plan!.indices).toHaveLength(5);
    expect(plan!.weights).toBeNull();
    expect(plan!.active).toBe(false);
    expect(ctx.scoreCalls).toHaveLength(0);
  });

  it('updates tau from the training scores while uniform, and turns on once tau > tau_th', async () => {
    // 9 scores [1,0,...,0] give tau_new = sqrt(9 * 1) = 3; tau_k = 3 (1 - 0.9^k) first exceeds 2 at k = 11
    const ctx = new MockContext({ n: 50, batchSize: 9 });
    const s = create({}, ctx);
    s.epochStart(ctx);
    const skewed = scoresOf([1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const activeAfter: boolean[] = [];
    for (let k = 1; k <= 12; k++) {
      const plan = await s.nextBatch(ctx);
      expect(plan!.active).toBe(false);
      s.observe(plan!, skewed);
      expect(s.currentTau).toBeCloseTo(3 * (1 - Math.pow(0.9, k)), 10);
      activeAfter.push(s.currentTau > s.tauThreshold);
      if (k === 11) break;
    }
    expect(activeAfter.indexOf(true)).toBe(10); // the 11th observation
    const next = await s.nextBatch(ctx);
    expect(next!.active).toBe(true);
  });

  it('uses the loss for tau when score is loss', () => {
    const ctx = new MockContext({ n: 50, batchSize: 4 });
    const s = create({ score: 'loss' }, ctx);
    s.observe({ indices: new Int32Array(4), weights: null, active: false }, scoresOf([1, 1, 1, 1], [1, 0, 0, 0]));
    expect(s.currentTau).toBeCloseTo(0.2, 12); // tau_new = 2 from the losses, not 1 from gnorm
  });

  it('switches back to uniform when the presample scores become flat (tested every step)', async () => {
    // flat scores give tau_new = 1: tau_k = 1 + 1.5 * 0.9^k from 2.5 falls to <= 2 after 4 steps
    const ctx = new MockContext({ n: 40, batchSize: 4, scores: { gnorm: new Array(40).fill(0.5) } });
    const s = create({}, ctx);
    s.restore({ tau: 2.5 });
    s.epochStart(ctx);
    const active: boolean[] = [];
    for (let k = 0; k < 6; k++) {
      const plan = await s.nextBatch(ctx);
      active.push(plan!.active!);
      s.observe(plan!, ctx.trainingScores(plan!));
    }
    expect(active).toEqual([true, true, true, true, false, false]);
    // presample scores (active) and training scores (uniform) alike were flat: 6 updates towards 1
    expect(s.currentTau).toBeCloseTo(1 + 1.5 * Math.pow(0.9, 6), 6);
  });

  it('does not update tau from the training scores of an importance-sampled step', async () => {
    const ctx = new MockContext({ n: 40, batchSize: 4 });
    const s = create({}, ctx);
    s.restore({ tau: 3 });
    s.epochStart(ctx);
    const plan = await s.nextBatch(ctx); // presample scores all 1 -> tau = 0.9*3 + 0.1
    expect(s.currentTau).toBeCloseTo(2.8, 10);
    s.observe(plan!, scoresOf([1, 0, 0, 0]));
    expect(s.currentTau).toBeCloseTo(2.8, 10);
  });

  it('runs floor(N/b) steps per epoch', async () => {
    const ctx = new MockContext({ n: 103, batchSize: 10 });
    const run = await runEpoch(create({}, ctx), ctx);
    expect(run.planned).toBe(10);
    expect(run.plans).toHaveLength(10);
  });
});

describe('upper-bound importance step', () => {
  const n = 60;
  const gnorm = Array.from({ length: n }, (_, i) => 0.1 + (i % 10));

  it('scores B = floor(presample * b) uniform candidates and weights the chosen 1 / (B p_i)', async () => {
    const ctx = new MockContext({ n, batchSize: 8, scores: { gnorm } });
    const s = create({ presample: 2.5 }, ctx);
    s.restore({ tau: 10 });
    s.epochStart(ctx);
    const plan = (await s.nextBatch(ctx))!;
    expect(ctx.scoreCalls).toHaveLength(1);
    const { indices: candidates, kind, result } = ctx.scoreCalls[0];
    expect(kind).toBe('gnorm');
    expect(candidates).toHaveLength(20);
    expect(plan.active).toBe(true);
    expect(plan.indices).toHaveLength(8);
    const total = result.reduce((a, v) => a + v, 0);
    for (let j = 0; j < 8; j++) {
      const i = plan.indices[j];
      expect(Array.from(candidates)).toContain(i);
      // weight of sample i: 1 / (B * s_i / sum(s))
      expect(plan.weights![j]).toBeCloseTo(total / (20 * gnorm[i]), 4);
    }
    expect(s.currentTau).toBeCloseTo(0.9 * 10 + 0.1 * varianceReductionTau(result), 10);
  });

  it('asks for loss or full_gnorm scores when configured', async () => {
    for (const score of ['loss', 'full_gnorm'] as const) {
      const ctx = new MockContext({ n, batchSize: 8 });
      const s = create({ score }, ctx);
      s.restore({ tau: 10 });
      s.epochStart(ctx);
      await s.nextBatch(ctx);
      expect(ctx.scoreCalls[0].kind).toBe(score);
    }
  });

  it('scores in inference mode, b rows per forward pass unless forward_batch_size says otherwise', async () => {
    for (const [params, rows] of [[{}, 8], [{ forward_batch_size: 5 }, 5]] as const) {
      const ctx = new MockContext({ n, batchSize: 8 });
      const s = create(params, ctx);
      s.restore({ tau: 10 });
      s.epochStart(ctx);
      await s.nextBatch(ctx);
      expect(ctx.scoreCalls[0].options).toEqual({ forwardBatchSize: rows });
    }
  });

  it('draws each candidate with probability s / sum(s) (chi-square over samples)', async () => {
    const b = 8;
    const ctx = new MockContext({ n, batchSize: b, scores: { gnorm }, seed: 11 });
    const s = create({ tau_th: 1.01 }, ctx);
    s.restore({ tau: 10 });
    const observed = new Float64Array(n);
    const expected = new Float64Array(n);
    for (let t = 0; t < 3000; t++) {
      ctx.step = 0;
      s.epochStart(ctx);
      const plan = (await s.nextBatch(ctx))!;
      const { indices: cand, result } = ctx.scoreCalls[ctx.scoreCalls.length - 1];
      const total = result.reduce((a, v) => a + v, 0);
      for (let k = 0; k < cand.length; k++) expected[cand[k]] += (b * result[k]) / total;
      for (const i of plan.indices) observed[i]++;
    }
    const stat = pearsonStatistic(observed, expected);
    expect(stat).toBeLessThan(chiSquareCritical(n - 1));
    // and the same test detects a sampler that ignores the scores
    const flat = new Float64Array(n).fill((3000 * b) / n);
    expect(pearsonStatistic(observed, flat)).toBeGreaterThan(chiSquareCritical(n - 1));
  });

  it('falls back to uniform over the candidates with weight 1 when all scores are 0', async () => {
    const ctx = new MockContext({ n, batchSize: 8, scores: { gnorm: new Array(n).fill(0) } });
    const s = create({}, ctx);
    s.restore({ tau: 10 });
    s.epochStart(ctx);
    const plan = (await s.nextBatch(ctx))!;
    expect(Array.from(plan.weights!)).toEqual(new Array(8).fill(1));
    const cand = Array.from(ctx.scoreCalls[0].indices);
    for (const i of plan.indices) expect(cand).toContain(i);
  });

  it('weights match unbiasedWeights: w = 1 / (B p)', () => {
    // scores [1, 3], B = 2: p = [.25, .75], w = [2, 2/3]
    expect(Array.from(unbiasedWeights([1, 3], [0, 1, 1]))).toEqual([2, expect.closeTo(2 / 3, 6), expect.closeTo(2 / 3, 6)]);
  });
});

describe('upper-bound is unbiased (Monte-Carlo on a linear model)', () => {
  const n = 120;
  const { grads, mean, norms } = linearModelGradients(n, 5);

  async function averageGradient(weighted: boolean, steps: number): Promise<Float64Array> {
    const ctx = new MockContext({ n, batchSize: 8, scores: { gnorm: norms }, seed: 5 });
    const s = create({ tau_th: 1.01 }, ctx);
    s.restore({ tau: 10 });
    const acc = new Float64Array(mean.length);
    s.epochStart(ctx);
    for (let t = 0; t < steps; t++) {
      ctx.step = 0;
      const plan = (await s.nextBatch(ctx))!;
      expect(plan.active).toBe(true);
      const g = batchGradient(grads, plan.indices, weighted ? plan.weights : null);
      for (let k = 0; k < acc.length; k++) acc[k] += g[k] / steps;
    }
    return acc;
  }

  it('the weighted batch gradient averages to the full-data mean', async () => {
    const avg = await averageGradient(true, 6000);
    expect(relativeError(avg, mean)).toBeLessThan(0.03);
  });

  it('(control) without the weights the same draws are visibly biased', async () => {
    const avg = await averageGradient(false, 6000);
    expect(relativeError(avg, mean)).toBeGreaterThan(0.1);
  });

  it('uniform steps are unbiased too', async () => {
    const ctx = new MockContext({ n, batchSize: 8, seed: 9 });
    const s = create({}, ctx);
    s.epochStart(ctx);
    const acc = new Float64Array(mean.length);
    const steps = 6000;
    for (let t = 0; t < steps; t++) {
      ctx.step = 0;
      const plan = (await s.nextBatch(ctx))!;
      expect(plan.active).toBe(false);
      const g = batchGradient(grads, plan.indices, plan.weights);
      for (let k = 0; k < acc.length; k++) acc[k] += g[k] / steps;
    }
    expect(relativeError(acc, mean)).toBeLessThan(0.05);
  });
});

describe('upper-bound determinism and checkpoints', () => {
  const n = 64;
  const gnorm = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 5 : 0.2));

  async function twoEpochs(seed: number) {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm }, seed });
    const s = create({ tau_th: 1.2 }, ctx);
    const a = await runEpoch(s, ctx);
    ctx.epoch = 1;
    const b = await runEpoch(s, ctx);
    return [...plansToJson(a.plans), ...plansToJson(b.plans)];
  }

  it('gives the same plans for the same seed and different ones for another seed', async () => {
    const one = await twoEpochs(3);
    expect(await twoEpochs(3)).toEqual(one);
    expect(await twoEpochs(4)).not.toEqual(one);
    // the skewed scores did switch importance sampling on at some point
    expect(one.some((p) => (p as { active: boolean }).active)).toBe(true);
  });

  it('resumes from state() + the rng state exactly where it left off', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { gnorm }, seed: 8 });
    const s = create({ tau_th: 1.2 }, ctx);
    await runEpoch(s, ctx);
    expect(s.currentTau).toBeGreaterThan(1.2); // the resumed epoch is importance-sampled
    const saved = JSON.parse(JSON.stringify(s.state()));
    const rngState = ctx.rng.state();
    ctx.epoch = 1;
    const continued = await runEpoch(s, ctx);

    const ctx2 = new MockContext({ n, batchSize: 4, scores: { gnorm }, seed: 8 });
    ctx2.rng = new Rng(8, rngState);
    ctx2.epoch = 1;
    const s2 = create({ tau_th: 1.2 }, ctx2);
    s2.restore(saved);
    const resumed = await runEpoch(s2, ctx2);
    expect(plansToJson(resumed.plans)).toEqual(plansToJson(continued.plans));
    expect(resumed.diagnostics).toEqual(continued.diagnostics);
  });

  it('reports tau and tau_th as diagnostics', async () => {
    const ctx = new MockContext({ n, batchSize: 4 });
    const s = create({}, ctx);
    s.restore({ tau: 1.25 });
    expect(s.diagnostics()).toEqual({ tau: 1.25, tau_th: 2 });
    expect(upperBoundStrategy.diagnostics).toEqual(['tau_th']);
  });
});
