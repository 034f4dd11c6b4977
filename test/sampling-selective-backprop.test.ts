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
  it('appends the whole forward batch to the history first, then gives each max(sampling_min, P^beta), P = fraction strictly below', () => {
    const ctx = new MockContext({ n, batchSize: 4 });
    const s = create({ history: 4 }, ctx);
    // history [2, 1, 3]: below 2 is {1}: 1/3; below 1: none; below 3 is {2, 1}: 2/3
    const first = s.selectionProbabilities([2, 1, 3]);
    [1 / 27, 0, 8 / 27].forEach((p, j) => expect(first[j]).toBeCloseTo(p, 12));
    // capacity 4: pushing 0.5 and 2.5 drops the oldest (2): history [1, 3, 0.5, 2.5]
    const second = s.selectionProbabilities([0.5, 2.5]);
    expect(second[0]).toBe(0);
    expect(second[1]).toBeCloseTo(1 / 8, 12); // {1, 0.5} below 2.5: (2/4)^3
    const m = create({ history: 4, sampling_min: 0.2, beta: 1 }, ctx);
    expect(m.selectionProbabilities([5, 1])).toEqual([0.5, 0.2]); // [5, 1]: 1/2 below 5; none below 1 -> the floor
  });

  it('trains every sample in the first epoch: ceil(N/b) shuffled batches, the last partial, no forward pass, no history', async () => {
    const ctx = new MockContext({ n: 63, batchSize: 6, scores: { loss: [...loss, 1, 1, 1] } });
    const s = create({}, ctx);
    const run = await runEpoch(s, ctx);
    expect(run.planned).toBe(11);
    expect(run.plans.map((p) => p.indices.length)).toEqual([...new Array(10).fill(6), 3]);
    const trained = run.plans.flatMap((p) => Array.from(p.indices)).sort((x, y) => x - y);
    expect(trained).toEqual(Array.from({ length: 63 }, (_, i) => i));
    expect(run.plans.every((p) => p.active === false && p.weights === null)).toBe(true);
    expect(ctx.scoreCalls).toHaveLength(0);
    expect(s.state().history.values).toEqual([]); // the original's priming selector never feeds the calculator
    expect(run.diagnostics.selected_fraction).toBe(1);
  });

  it('afterwards forwards every sample once per epoch in forward batches of b (inference mode), the last partial', async () => {
    const b = 6;
    const ctx = new MockContext({ n: 63, batchSize: b, scores: { loss: [...loss, 1, 1, 1] }, seed: 2 });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    expect(run.planned).toBe(Math.ceil(63 / 4 / b)); // E[U^3] = 1/4
    expect(ctx.scoreCalls.map((c) => c.indices.length)).toEqual([...new Array(10).fill(6), 3]);
    expect(ctx.scoreCalls.every((c) => c.kind === 'loss' && (c.options.mode ?? 'inference') === 'inference')).toBe(true);
    const scored = ctx.scoreCalls.flatMap((c) => Array.from(c.indices)).sort((x, y) => x - y);
    expect(scored).toEqual(Array.from({ length: 63 }, (_, i) => i));
    const trained = run.plans.flatMap((p) => Array.from(p.indices));
    expect(run.plans.slice(0, -1).every((p) => p.indices.length === b)).toBe(true);
    expect(run.plans.every((p) => p.weights === null && p.active)).toBe(true);
    expect(new Set(trained).size).toBe(trained.length);
    const selected = trained.length + run.diagnostics.carried_over;
    expect(run.diagnostics.selected_fraction).toBeCloseTo(selected / 63, 12);
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
        call.result.forEach((l) => replay.push(l));
        for (const l of call.result) {
          // strictly below, over the history that already holds the whole forward batch
          const p = Math.pow(replay.values().filter((v) => v < l).length / replay.size, 2);
          expectedSelected += p;
          variance += p * (1 - p);
        }
      }
      selected += run.plans.reduce((a, p) => a + p.indices.length, 0) + run.diagnostics.carried_over - carriedBefore;
    }
    expect(Math.abs(selected - expectedSelected)).toBeLessThan(4 * Math.sqrt(variance));
    expect(selected / (40 * n)).toBeGreaterThan(0.2);
  });

  it('trains a part-filled buffer at the epoch\'s end as a final partial batch', async () => {
    const ctx = new MockContext({ n, batchSize: 7, scores: { loss }, seed: 5 });
    const s = create({ beta: 0 }, ctx); // percentile^0 = 1: every candidate is kept
    await runEpoch(s, ctx);
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    // 60 kept: 8 batches of 7 as the loader batches come, then the last loader batch's 4
    expect(run.plans.map((p) => p.indices.length)).toEqual([...new Array(8).fill(7), 4]);
    expect(run.diagnostics.carried_over).toBe(0);
    expect(s.state().pending).toEqual([]);
  });

  it('trains b after the last loader batch when b or more are queued, and the rest waits for the next epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 7, scores: { loss }, seed: 5 });
    const s = create({ beta: 0 }, ctx);
    await runEpoch(s, ctx);
    // five samples still queued from before: every loader batch then leaves 5, the last one (4) makes 9
    const queued = [11, 22, 33, 44, 55];
    s.restore({ ...s.state(), pending: queued });
    ctx.epoch = 1;
    const run = await runEpoch(s, ctx);
    expect(run.plans.map((p) => p.indices.length)).toEqual(new Array(9).fill(7));
    expect(Array.from(run.plans[0].indices.slice(0, 5))).toEqual(queued);
    expect(run.diagnostics.carried_over).toBe(2);
    const carried = s.state().pending;
    ctx.epoch = 2;
    const next = await runEpoch(s, ctx);
    expect(Array.from(next.plans[0].indices.slice(0, 2))).toEqual(carried);
  });

  it('with staleness s, forwards a sample again only once s epochs have passed since its last forward', async () => {
    const b = 6;
    const ctx = new MockContext({ n, batchSize: b, scores: { loss } });
    const s = create({ staleness: 2 }, ctx);
    await runEpoch(s, ctx); // the warm-up epoch stands for the original's priming forward of every sample
    const forwardedIn = async (epoch: number) => {
      ctx.epoch = epoch;
      const before = ctx.scoreCalls.length;
      const run = await runEpoch(s, ctx);
      return { count: ctx.scoreCalls.slice(before).reduce((a, c) => a + c.indices.length, 0), run };
    };
    const one = await forwardedIn(1); // 1 epoch since: reuse every loss
    expect(one.count).toBe(0);
    expect(one.run.diagnostics.reused_losses).toBe(n);
    expect(s.state().history.values).toHaveLength(n); // reused losses still enter the history
    const two = await forwardedIn(2); // 2 epochs since: forward all again
    expect(two.count).toBe(n);
    expect(two.run.diagnostics.reused_losses).toBe(0);
    expect((await forwardedIn(3)).count).toBe(0);
    // staleness 1 forwards every epoch, like the default
    const every = new MockContext({ n, batchSize: b, scores: { loss } });
    const t = create({ staleness: 1 }, every);
    await runEpochs(t, every, 3);
    expect(every.scoreCalls.reduce((a, c) => a + c.indices.length, 0)).toBe(2 * n);
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
