import { RingBuffer } from '../src/sampling/percentile';
import { SelectiveBackpropSampler, selectiveBackpropStrategy } from '../src/sampling/selective-backprop';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return selectiveBackpropStrategy.create(
    selectiveBackpropStrategy.params.parse(params),
    ctx.setup,
  ) as SelectiveBackpropSampler;
}

const n = 60;
const loss = Array.from({ length: n }, (_, i) => ((i * 13) % n) / 10 + 0.05);

describe('selective-backprop parameters', () => {
  it('defaults beta 3, sampling_min 0, history 1024, one uniform epoch, no staleness; biased', () => {
    expect(selectiveBackpropStrategy.params.parse({})).toEqual({
      beta: 3,
      sampling_min: 0,
      history: 1024,
      warmup_epochs: 1,
      staleness: 0,
    });
    expect(selectiveBackpropStrategy.unbiased).toBe(false);
    expect(selectiveBackpropStrategy.description).toMatch(/biased/);
  });

  it.each([
    [{ beta: -1 }, 'beta'],
    [{ sampling_min: 1.2 }, 'sampling_min'],
    [{ history: 0 }, 'history'],
    [{ staleness: -1 }, 'staleness'],
    [{ warmup_epochs: 0.5 }, 'warmup_epochs'],
  ])('rejects %j naming the field', (params, field) => {
    const r = selectiveBackpropStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });
});

describe('selective-backprop rule', () => {
  it('selects with probability max(sampling_min, percentile^beta), the loss pushed into the history first', () => {
    const ctx = new MockContext({ n, batchSize: 4 });
    const s = create({ history: 4 }, ctx);
    expect(s.selectionProbability(2)).toBe(1); // [2]: percentile 1
    expect(s.selectionProbability(1)).toBeCloseTo(0.125, 12); // [2,1]: 0.5^3
    expect(s.selectionProbability(3)).toBe(1); // [2,1,3]
    expect(s.selectionProbability(0.5)).toBeCloseTo(0.015625, 12); // [2,1,3,.5]: 0.25^3
    expect(s.selectionProbability(2.5)).toBeCloseTo(0.421875, 12); // [1,3,.5,2.5]: 0.75^3 (2 dropped)
    const m = create({ history: 4, sampling_min: 0.2, beta: 1 }, ctx);
    m.selectionProbability(5);
    expect(m.selectionProbability(1)).toBe(0.5); // [5,1]: 0.5
    expect(m.selectionProbability(0)).toBe(1 / 3); // [5,1,0]: 1/3
    m.selectionProbability(9);
    m.selectionProbability(9);
    m.selectionProbability(9);
    expect(m.selectionProbability(0)).toBe(0.25); // [9,9,9,0]: 1/4 > 0.2
  });

  it('trains the first epoch uniformly: a shuffled pass, floor(N/b) batches, no scoring pass', async () => {
    const ctx = new MockContext({ n: 63, batchSize: 6, scores: { loss: [...loss, 1, 1, 1] } });
    const s = create({}, ctx);
    const run = await runEpoch(s, ctx);
    expect(run.planned).toBe(10);
    expect(run.plans).toHaveLength(10);
    const trained = run.plans.flatMap((p) => Array.from(p.indices));
    expect(new Set(trained).size).toBe(60);
    expect(run.plans.every((p) => p.active === false && p.weights === null)).toBe(true);
    expect(ctx.scoreCalls).toHaveLength(0);
    expect(run.diagnostics.selected_fraction).toBe(1);
  });

  it('afterwards forwards every sample once per epoch in chunks of b and trains full unweighted batches', async () => {
    const b = 6;
    const ctx = new MockContext({ n, batchSize: b, scores: { loss }, seed: 2 });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    expect(run.planned).toBe(Math.floor(n / 4 / b)); // E[U^3] = 1/4
    const scored = ctx.scoreCalls.flatMap((c) => Array.from(c.indices));
    expect(scored.sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(ctx.scoreCalls.every((c) => c.kind === 'loss' && c.indices.length === b)).toBe(true);
    const trained = run.plans.flatMap((p) => Array.from(p.indices));
    expect(run.plans.every((p) => p.indices.length === b && p.weights === null && p.active)).toBe(true);
    expect(new Set(trained).size).toBe(trained.length);
    const selected = trained.length + run.diagnostics.carried_over;
    expect(run.diagnostics.selected_fraction).toBeCloseTo(selected / n, 12);
  });

  it('selects each candidate with the probability its percentile gives (replayed history, z-test)', async () => {
    const b = 5;
    const ctx = new MockContext({ n, batchSize: b, scores: { loss }, seed: 9 });
    const s = create({ history: 50, beta: 2 }, ctx);
    await runEpoch(s, ctx);
    let expectedSelected = 0;
    let variance = 0;
    let selected = 0;
    for (let e = 1; e <= 40; e++) {
      ctx.epoch = e;
      const replay = RingBuffer.fromState(s.state().history);
      const before = ctx.scoreCalls.length;
      const carriedBefore = s.state().pending.length;
      const run = await runEpoch(s, ctx);
      for (const call of ctx.scoreCalls.slice(before)) {
        for (const l of call.result) {
          replay.push(l);
          const p = Math.pow(replay.percentileOf(l), 2);
          expectedSelected += p;
          variance += p * (1 - p);
        }
      }
      selected += run.plans.length * b + run.diagnostics.carried_over - carriedBefore;
    }
    expect(Math.abs(selected - expectedSelected)).toBeLessThan(4 * Math.sqrt(variance));
    // high-loss samples are trained far more often than low-loss ones
    expect(selected / (40 * n)).toBeGreaterThan(0.2);
  });

  it('carries a part-filled buffer over to the next epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 7, scores: { loss }, seed: 5 });
    const s = create({ beta: 0 }, ctx); // percentile^0 = 1: every candidate is selected
    await runEpoch(s, ctx);
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    expect(run.plans).toHaveLength(8); // 60 selected: 8 batches of 7, 4 left
    expect(run.diagnostics.carried_over).toBe(4);
    const carried = s.state().pending;
    ctx.epoch = 2;
    const next = await runEpoch(s, ctx);
    expect(Array.from(next.plans[0].indices.slice(0, 4))).toEqual(carried);
    expect(next.plans).toHaveLength(9); // 64 = 9 * 7 + 1
  });

  it('reuses losses no older than `staleness` epochs instead of forwarding again', async () => {
    const ctx = new MockContext({ n, batchSize: 6, scores: { loss } });
    const s = create({ staleness: 1 }, ctx);
    await runEpoch(s, ctx); // the uniform epoch trains all 60: every loss is from epoch 0
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    expect(ctx.scoreCalls).toHaveLength(0);
    expect(run.diagnostics.reused_losses).toBe(n);
    // epoch 2: losses from epoch 1 (trained then) are reused, those from epoch 0 forwarded again;
    // (carried-over samples are left out: their loss is refreshed when the first batch trains)
    ctx.epoch = 2;
    const { lossEpoch, pending } = s.state();
    await runEpoch(s, ctx);
    const scored = new Set(ctx.scoreCalls.flatMap((c) => Array.from(c.indices)));
    expect(scored.size).toBeGreaterThan(0);
    for (let i = 0; i < n; i++) if (!pending.includes(i)) expect(scored.has(i)).toBe(lossEpoch[i] < 1);
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: 6, scores: { loss }, seed });
      const r = await runEpochs(create({}, ctx), ctx, 3);
      return r.flatMap((x) => plansToJson(x.plans));
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
