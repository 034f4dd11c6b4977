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

  it('recomputes every loss with a scoring pass at epochs 0, r, 2r, ...', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 5, scores: { loss } });
    const runs = await runEpochs(create({ recompute: 2 }, ctx), ctx, 5);
    expect(runs.map((r) => r.diagnostics.recomputed)).toEqual([1, 0, 1, 0, 1]);
    expect(ctx.scoreCalls).toHaveLength(3);
    for (const c of ctx.scoreCalls) {
      expect(c.kind).toBe('loss');
      expect(Array.from(c.indices)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const never = new MockContext({ n, batchSize: 5, epochs: 3, scores: { loss } });
    await runEpochs(create({ recompute: 0 }, never), never, 3);
    expect(never.scoreCalls).toHaveLength(0);
  });

  it('gives p_i proportional to exp(-ln(s_e) rank_i / N) by loss rank, highest loss first', async () => {
    const ctx = new MockContext({ n, batchSize: 5, scores: { loss } });
    const s = create({}, ctx);
    await s.epochStart(ctx);
    const ranks = Array.from({ length: n }, (_, i) => rankOf(i));
    const expected = rankSelectionProbabilities(ranks, 100);
    const p = s.currentProbabilities;
    for (let i = 0; i < n; i++) expect(p[i]).toBeCloseTo(expected[i], 12);
    const top = loss.indexOf(Math.max(...loss));
    expect(p[top]).toBeCloseTo(Math.max(...p), 12);
    expect(Math.max(...p) / Math.min(...p)).toBeCloseTo(Math.pow(100, (n - 1) / n), 6);
  });

  it('draws the batches from those probabilities (chi-square), unweighted', async () => {
    const ctx = new MockContext({ n, batchSize: 5, scores: { loss }, seed: 4 });
    const s = create({}, ctx);
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
      ctx.epoch++;
    }
    const p = rankSelectionProbabilities(Array.from({ length: n }, (_, i) => rankOf(i)), 100);
    const expected = Array.from(p, (v) => v * draws);
    expect(pearsonStatistic(counts, expected)).toBeLessThan(chiSquareCritical(n - 1));
    const uniform = new Array(n).fill(draws / n);
    expect(pearsonStatistic(counts, uniform)).toBeGreaterThan(chiSquareCritical(n - 1));
  });

  it('anneals s_e geometrically from s_e0 to s_eend over the epochs', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 5, scores: { loss } });
    const runs = await runEpochs(create({ s_e0: 100, s_eend: 1 }, ctx), ctx, 5);
    const s = runs.map((r) => r.diagnostics.s_e);
    [100, Math.pow(10, 1.5), 10, Math.sqrt(10), 1].forEach((v, e) => expect(s[e]).toBeCloseTo(v, 8));
  });

  it('refreshes a sample\'s loss when it is trained on, and ranks by it at the next epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 5, epochs: 4, scores: { loss } });
    const s = create({ recompute: 2 }, ctx);
    await runEpoch(s, ctx);
    const lowest = loss.indexOf(Math.min(...loss));
    s.observe(
      { indices: Int32Array.from([lowest]), weights: null },
      { loss: Float32Array.from([1000]), gnorm: new Float32Array(1), correct: new Uint8Array(1) },
    );
    ctx.epoch = 1; // no recompute at epoch 1
    await s.epochStart(ctx);
    const p = s.currentProbabilities;
    expect(p[lowest]).toBeCloseTo(Math.max(...p), 12);
    ctx.epoch = 2; // the recompute restores the scored loss
    await s.epochStart(ctx);
    expect(s.currentProbabilities[lowest]).toBeCloseTo(Math.min(...s.currentProbabilities), 12);
  });

  it('ranks never-seen samples first when there is no recompute pass', async () => {
    const ctx = new MockContext({ n, batchSize: 5, scores: { loss } });
    const s = create({ recompute: 0 }, ctx);
    await s.epochStart(ctx);
    // nothing seen: every rank is a random tie-break, probabilities a permutation of the rank curve
    const sorted = Array.from(s.currentProbabilities).sort((a, b) => b - a);
    const curve = rankSelectionProbabilities(Array.from({ length: n }, (_, r) => r), 100);
    sorted.forEach((v, r) => expect(v).toBeCloseTo(curve[r], 12));
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
