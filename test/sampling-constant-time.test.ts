import { ConstantTimeSampler, constantTimeSizes, constantTimeStrategy } from '../src/sampling/constant-time';
import { MockContext, runEpoch } from './helpers/mock-context';

const defaults = { backward_time: 2, ratio: 0.5, min_a: 0.2 };

function create(params: Record<string, unknown>, ctx: MockContext) {
  return constantTimeStrategy.create(constantTimeStrategy.params.parse(params), ctx.setup) as ConstantTimeSampler;
}

describe('constantTimeSizes (DESIGN: t = 3b, a = max(0.2b, b/tau), B\' = t - 3a, B\' = floor(b + (B\' - b)/2), a = floor((t - B\')/3))', () => {
  it('b = 128, tau = 4: a = 32, B\' = 288 -> 208, a = floor(176/3) = 58', () => {
    expect(constantTimeSizes(128, 4, defaults)).toEqual({ scored: 208, trained: 58 });
  });

  it('b = 128, tau = 10: a = 25.6 (min_a), B\' = 307.2 -> 217, a = floor(167/3) = 55', () => {
    expect(constantTimeSizes(128, 10, defaults)).toEqual({ scored: 217, trained: 55 });
  });

  it('keeps the step cost at about a uniform step: B\' + 3a <= 3b', () => {
    for (const tau of [2.01, 3, 5, 50]) {
      const { scored, trained } = constantTimeSizes(64, tau, defaults);
      expect(scored + 3 * trained).toBeLessThanOrEqual(3 * 64);
      expect(scored + 3 * trained).toBeGreaterThan(3 * 64 - 3);
    }
  });

  it('never trains on 0 samples', () => {
    expect(constantTimeSizes(1, 3, defaults).trained).toBe(1);
  });
});

describe('constant-time', () => {
  it('defaults and rejects bad parameters naming the field', () => {
    expect(constantTimeStrategy.params.parse({})).toEqual({ tau_th: 2, ...defaults, score: 'gnorm' });
    for (const [params, field] of [
      [{ ratio: 1.5 }, 'ratio'],
      [{ min_a: 0 }, 'min_a'],
      [{ tau_th: 1 }, 'tau_th'],
      [{ backward_time: -2 }, 'backward_time'],
    ] as const) {
      const r = constantTimeStrategy.params.safeParse(params);
      expect(r.success).toBe(false);
      if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
    }
  });

  it('is uniform (b samples, no scoring) while tau <= tau_th, updating tau from the training scores', async () => {
    const gnorm = Array.from({ length: 50 }, (_, i) => (i === 0 ? 1 : 0));
    const ctx = new MockContext({ n: 50, batchSize: 5, scores: { gnorm } });
    const s = create({}, ctx);
    s.epochStart(ctx);
    const plan = (await s.nextBatch(ctx))!;
    expect(plan.active).toBe(false);
    expect(plan.indices).toHaveLength(5);
    expect(ctx.scoreCalls).toHaveLength(0);
    s.observe(plan, { loss: new Float32Array(5), gnorm: Float32Array.from([1, 0, 0, 0, 0]), correct: new Uint8Array(5) });
    expect(s.currentTau).toBeCloseTo(0.1 * Math.sqrt(5), 10); // tau_new = sqrt(n sum g^2) = sqrt(5)
  });

  it('when tau > tau_th scores B\' candidates and trains a of them with weights 1 / (B\' p)', async () => {
    const n = 200;
    const gnorm = Array.from({ length: n }, (_, i) => 0.5 + (i % 9));
    const ctx = new MockContext({ n, batchSize: 128, scores: { gnorm } });
    const s = create({}, ctx);
    s.restore({ tau: 4 });
    s.epochStart(ctx);
    const plan = (await s.nextBatch(ctx))!;
    expect(plan.active).toBe(true);
    const { indices: candidates, result } = ctx.scoreCalls[0];
    expect(candidates).toHaveLength(208);
    expect(plan.indices).toHaveLength(58);
    const total = result.reduce((a, v) => a + v, 0);
    plan.indices.forEach((i, j) => expect(plan.weights![j]).toBeCloseTo(total / (208 * gnorm[i]), 3));
    // the training step's scores do not move tau on an importance step
    const tau = s.currentTau;
    s.observe(plan, ctx.trainingScores(plan));
    expect(s.currentTau).toBe(tau);
  });

  it('reports tau, tau_th and the mean sizes of its importance steps', async () => {
    const n = 64;
    const gnorm = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 10 : 0.1));
    const ctx = new MockContext({ n, batchSize: 8, scores: { gnorm } });
    const s = create({ tau_th: 1.05 }, ctx);
    s.restore({ tau: 3 });
    const run = await runEpoch(s, ctx);
    const active = run.plans.filter((p) => p.active);
    expect(active.length).toBeGreaterThan(0);
    expect(run.diagnostics.tau).toBe(s.currentTau);
    expect(run.diagnostics.tau_th).toBe(1.05);
    const meanTrained = active.reduce((a, p) => a + p.indices.length, 0) / active.length;
    expect(run.diagnostics.trained_per_step).toBeCloseTo(meanTrained, 10);
    const meanScored = ctx.scoreCalls.reduce((a, c) => a + c.indices.length, 0) / ctx.scoreCalls.length;
    expect(run.diagnostics.scored_per_step).toBeCloseTo(meanScored, 10);
  });
});
