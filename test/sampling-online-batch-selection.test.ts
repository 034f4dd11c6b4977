import { OnlineBatchSelectionSampler, onlineBatchSelectionStrategy } from '../src/sampling/online-batch-selection';
import { rankSelectionProbabilities } from '../src/sampling/rank-probabilities';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';
import { chiSquareCritical, pearsonStatistic } from './helpers/stats';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return onlineBatchSelectionStrategy.create(
    onlineBatchSelectionStrategy.params.parse(params),
    ctx.setup,
  ) as OnlineBatchSelectionSampler;
}

const n = 30;
// distinct losses: sample i has loss (i * 7) % 30, so ranks are a fixed shuffle
const loss = Array.from({ length: n }, (_, i) => ((i * 7) % n) + 0.5);
const rankOf = (i: number) => n - 1 - ((i * 7) % n);

describe('online-batch-selection', () => {
  it('defaults s_e0 = s_eend = 100, recompute 2; is biased', () => {
    expect(onlineBatchSelectionStrategy.params.parse({})).toEqual({ s_e0: 100, s_eend: 100, recompute: 2 });
    expect(onlineBatchSelectionStrategy.unbiased).toBe(false);
    expect(onlineBatchSelectionStrategy.description).toMatch(/biased/);
    for (const [params, field] of [
      [{ s_e0: 0.5 }, 's_e0'],
      [{ s_eend: -1 }, 's_eend'],
      [{ recompute: 1.5 }, 'recompute'],
    ] as const) {
      const r = onlineBatchSelectionStrategy.params.safeParse(params);
      expect(r.success).toBe(false);
      if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
    }
  });

  it('draws the first epoch uniformly (with replacement) without any scoring pass', async () => {
    const counts = new Float64Array(n);
    for (let t = 0; t < 300; t++) {
      // a huge pressure would show at once if the first epoch were rank-based
      const ctx = new MockContext({ n, batchSize: 5, epochs: 3, scores: { loss }, seed: t });
      const s = create({ s_e0: 1e6, s_eend: 1e6 }, ctx);
      expect(await s.epochStart(ctx)).toBe(6);
      for (let step = 0; step < 6; step++) {
        ctx.step = step;
        const plan = s.nextBatch(ctx)!;
        expect(plan.active === false && plan.weights === null).toBe(true);
        plan.indices.forEach((i) => counts[i]++);
      }
      ctx.step = 6;
      expect(s.nextBatch(ctx)).toBeNull();
      expect(ctx.scoreCalls).toHaveLength(0);
      expect(Array.from(s.currentProbabilities)).toEqual(new Array(n).fill(1 / n));
      expect(s.diagnostics().s_e).toBe(1);
    }
    expect(pearsonStatistic(counts, new Array(n).fill((300 * 30) / n))).toBeLessThan(chiSquareCritical(n - 1));
  });

  it('recomputes every loss after 1-based epochs 1, 3, 5, ... (recompute 2), never after the last epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 5, scores: { loss } });
    const s = create({ recompute: 2 }, ctx);
    const calls: number[] = [];
    const recomputed: number[] = [];
    for (let e = 0; e < 5; e++) {
      const before = ctx.scoreCalls.length;
      recomputed.push((await runEpoch(s, ctx)).diagnostics.recomputed);
      calls.push(ctx.scoreCalls.length - before);
      ctx.epoch++;
    }
    // 0-based epochs 0 and 2 end with a pass; epoch 4 is the last
    expect(recomputed).toEqual([1, 0, 1, 0, 0]);
    expect(calls).toEqual([1, 0, 1, 0, 0]);
    for (const c of ctx.scoreCalls) {
      expect(c.kind).toBe('loss');
      expect(c.options.mode ?? 'inference').toBe('inference');
      expect(Array.from(c.indices)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    // recompute 3: after 1-based epochs 2, 5 (0-based ends of 1 and 4)
    const three = new MockContext({ n, batchSize: 5, epochs: 6, scores: { loss } });
    const r3 = await runEpochs(create({ recompute: 3 }, three), three, 6);
    expect(r3.map((r) => r.diagnostics.recomputed)).toEqual([0, 1, 0, 0, 1, 0]);
    const never = new MockContext({ n, batchSize: 5, epochs: 3, scores: { loss } });
    await runEpochs(create({ recompute: 0 }, never), never, 3);
    expect(never.scoreCalls).toHaveLength(0);
  });

  it('from the second epoch, gives p_i proportional to s_e^(-rank_i / N) by loss rank, highest loss first', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 4, scores: { loss } });
    const s = create({}, ctx);
    await runEpoch(s, ctx); // ends with the full recompute
    ctx.epoch = 1;
    await s.epochStart(ctx);
    // exp(-ln(100) rank / N) = 100^(-rank / N), normalised
    const unnormalised = Array.from({ length: n }, (_, i) => Math.pow(100, -rankOf(i) / n));
    const z = unnormalised.reduce((a, v) => a + v, 0);
    const p = s.currentProbabilities;
    for (let i = 0; i < n; i++) expect(p[i]).toBeCloseTo(unnormalised[i] / z, 12);
    const top = loss.indexOf(Math.max(...loss));
    expect(p[top]).toBeCloseTo(Math.max(...p), 12);
    expect(Math.max(...p) / Math.min(...p)).toBeCloseTo(Math.pow(100, (n - 1) / n), 6);
  });

  it('draws those batches from those probabilities (chi-square), unweighted', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 2, scores: { loss }, seed: 4 });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    ctx.epoch = 1;
    const counts = new Float64Array(n);
    let draws = 0;
    for (let e = 0; e < 200; e++) {
      const run = await runEpoch(s, ctx);
      expect(run.plans).toHaveLength(6); // floor(30 / 5)
      for (const plan of run.plans) {
        expect(plan.weights).toBeNull();
        expect(plan.active).toBe(true);
        plan.indices.forEach((i) => counts[i]++);
        draws += plan.indices.length;
      }
    }
    const unnormalised = Array.from({ length: n }, (_, i) => Math.pow(100, -rankOf(i) / n));
    const z = unnormalised.reduce((a, v) => a + v, 0);
    const expected = unnormalised.map((v) => (v / z) * draws);
    expect(pearsonStatistic(counts, expected)).toBeLessThan(chiSquareCritical(n - 1));
    const uniform = new Array(n).fill(draws / n);
    expect(pearsonStatistic(counts, uniform)).toBeGreaterThan(chiSquareCritical(n - 1));
  });

  it('anneals s_e with (epoch + 1) / epochs: s_e0 (s_eend / s_e0)^((e + 1) / E), after a uniform first epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 4, scores: { loss } });
    const runs = await runEpochs(create({ s_e0: 100, s_eend: 1 }, ctx), ctx, 4);
    // 100 * 0.01^((e + 1) / 4) for e = 1, 2, 3: 10, sqrt(10), 1
    const s = runs.map((r) => r.diagnostics.s_e);
    [1, 10, Math.sqrt(10), 1].forEach((v, e) => expect(s[e]).toBeCloseTo(v, 8));
  });

  it('refreshes a sample\'s loss when it is trained on, and ranks by it at the next epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 4, scores: { loss } });
    const s = create({ recompute: 2 }, ctx);
    await runEpoch(s, ctx); // recompute at its end
    const lowest = loss.indexOf(Math.min(...loss));
    s.observe(
      { indices: Int32Array.from([lowest]), weights: null },
      { loss: Float32Array.from([1000]), gnorm: new Float32Array(1), correct: new Uint8Array(1) },
    );
    ctx.epoch = 1;
    await s.epochStart(ctx);
    const p = s.currentProbabilities;
    expect(p[lowest]).toBeCloseTo(Math.max(...p), 12);
    await s.epochEnd!(ctx); // no pass after 1-based epoch 2
    ctx.epoch = 2;
    await s.epochStart(ctx);
    expect(s.currentProbabilities[lowest]).toBeCloseTo(Math.max(...s.currentProbabilities), 12);
    await s.epochEnd!(ctx); // the pass after 1-based epoch 3 restores the scored loss
    ctx.epoch = 3;
    await s.epochStart(ctx);
    expect(s.currentProbabilities[lowest]).toBeCloseTo(Math.min(...s.currentProbabilities), 12);
  });

  it('starts every raw score at 1, the reference\'s initial value, so unscored samples rank among the losses at 1', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 2, scores: { loss } });
    const s = create({ recompute: 0 }, ctx);
    await runEpoch(s, ctx, { observe: false });
    ctx.epoch = 1;
    await s.epochStart(ctx);
    // nothing scored: every rank is a random tie-break, probabilities a permutation of the rank curve
    const sorted = Array.from(s.currentProbabilities).sort((a, b) => b - a);
    const curve = rankSelectionProbabilities(Array.from({ length: n }, (_, r) => r), 100);
    sorted.forEach((v, r) => expect(v).toBeCloseTo(curve[r], 12));
    // one sample trained at loss 0.5 ranks below all the unscored ones
    s.observe(
      { indices: Int32Array.from([3]), weights: null },
      { loss: Float32Array.from([0.5]), gnorm: new Float32Array(1), correct: new Uint8Array(1) },
    );
    await s.epochStart(ctx);
    expect(s.currentProbabilities[3]).toBeCloseTo(Math.min(...s.currentProbabilities), 12);
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: 5, epochs: 3, scores: { loss }, seed });
      const r = await runEpochs(create({}, ctx), ctx, 3);
      return r.flatMap((x) => plansToJson(x.plans));
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
