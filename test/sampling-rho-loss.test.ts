import { UserError } from '../src/errors';
import { holdoutSize, RhoLossSampler, rhoLossStrategy } from '../src/sampling/rho-loss';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return rhoLossStrategy.create(rhoLossStrategy.params.parse(params), ctx.setup) as RhoLossSampler;
}

const n = 200;
const loss = Array.from({ length: n }, (_, i) => 1 + ((i * 37) % 101) / 50);
const irreducible = Array.from({ length: n }, (_, i) => ((i * 11) % 17) / 10);

describe('rho-loss parameters', () => {
  it('defaults holdout 10%, 5 epochs for the irreducible-loss model, selection ratio 0.1; biased', () => {
    expect(rhoLossStrategy.params.parse({})).toEqual({ holdout: 0.1, irreducible_epochs: 5, selection_ratio: 0.1 });
    expect(rhoLossStrategy.unbiased).toBe(false);
    expect(rhoLossStrategy.description).toMatch(/biased/);
  });

  it.each([
    [{ holdout: 0 }, 'holdout'],
    [{ holdout: 1 }, 'holdout'],
    [{ selection_ratio: 1 }, 'selection_ratio'],
    [{ irreducible_epochs: 0 }, 'irreducible_epochs'],
  ])('rejects %j naming the field', (params, field) => {
    const r = rhoLossStrategy.params.safeParse(params);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].path).toEqual([field]);
  });

  it('rejects a selection ratio that gives no more candidates than b, and a holdout that leaves too few', () => {
    const ctx = new MockContext({ n, batchSize: 32 });
    expect(() => create({ selection_ratio: 0.99 }, ctx)).toThrow(UserError); // floor(32 / .99) = 32
    expect(() => create({ selection_ratio: 0.99 }, ctx)).toThrow(/selection_ratio/);
    expect(() => create({ holdout: 0.9 }, ctx)).toThrow(/holdout/); // 20 left < 32
  });
});

describe('rho-loss', () => {
  it('trains the irreducible-loss model once, on a held-out 10% the arm never trains or scores on', async () => {
    const ctx = new MockContext({ n, batchSize: 4, epochs: 3, scores: { loss }, auxiliaryLosses: irreducible });
    const s = create({ irreducible_epochs: 3 }, ctx);
    const runs = await runEpochs(s, ctx, 3);
    expect(ctx.auxiliaryCalls).toHaveLength(1);
    expect(ctx.auxiliaryDisposed).toBe(1);
    const { indices: heldOut, epochs } = ctx.auxiliaryCalls[0];
    expect(epochs).toBe(3);
    expect(heldOut).toHaveLength(holdoutSize(n, 0.1));
    expect(heldOut).toHaveLength(20);
    expect(Array.from(s.heldOut!)).toEqual(Array.from(heldOut));
    const held = new Set(heldOut);
    for (const run of runs) for (const p of run.plans) p.indices.forEach((i) => expect(held.has(i)).toBe(false));
    for (const c of ctx.scoreCalls) c.indices.forEach((i) => expect(held.has(i)).toBe(false));
    expect(runs[0].diagnostics.holdout_size).toBe(20);
    const pool = Array.from({ length: n }, (_, i) => i).filter((i) => !held.has(i));
    const ilMean = pool.reduce((a, i) => a + irreducible[i], 0) / pool.length;
    expect(runs[0].diagnostics.irreducible_loss_mean).toBeCloseTo(ilMean, 6);
  });

  it('each step forwards b / 0.1 candidates and trains the top b by loss - irreducible loss, unweighted', async () => {
    const b = 4;
    const ctx = new MockContext({ n, batchSize: b, scores: { loss }, auxiliaryLosses: irreducible, seed: 5 });
    const run = await runEpoch(create({}, ctx), ctx);
    expect(run.planned).toBe(Math.floor(180 / b));
    expect(run.plans).toHaveLength(45);
    let selectedSum = 0;
    run.plans.forEach((plan, t) => {
      const call = ctx.scoreCalls[t];
      expect(call.kind).toBe('loss');
      expect(call.indices).toHaveLength(40);
      const rho = Array.from(call.indices, (i) => ({ i, r: Math.fround(loss[i]) - Math.fround(irreducible[i]) }));
      rho.sort((x, y) => y.r - x.r);
      expect(Array.from(plan.indices).sort()).toEqual(rho.slice(0, b).map((x) => x.i).sort());
      expect(plan.weights).toBeNull();
      expect(plan.active).toBe(true);
      selectedSum += rho.slice(0, b).reduce((a, x) => a + x.r, 0);
    });
    expect(run.diagnostics.selected_reducible_loss).toBeCloseTo(selectedSum / (45 * b), 4);
  });

  it('takes the candidates from shuffled passes over the pool (no repeats within a pass)', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { loss }, auxiliaryLosses: irreducible });
    await runEpoch(create({}, ctx), ctx);
    // 180 pool samples, 40 candidates a step: each pass gives 4 steps (160), then a reshuffle
    for (let pass = 0; pass + 4 <= ctx.scoreCalls.length; pass += 4) {
      const seen = ctx.scoreCalls.slice(pass, pass + 4).flatMap((c) => Array.from(c.indices));
      expect(new Set(seen).size).toBe(160);
    }
  });

  it('resumes from state() without training the irreducible-loss model again', async () => {
    const ctx = new MockContext({ n, batchSize: 4, epochs: 2, scores: { loss }, auxiliaryLosses: irreducible });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    const t = create({}, ctx);
    t.restore(JSON.parse(JSON.stringify(s.state())));
    ctx.epoch = 1;
    const before = ctx.scoredSamples;
    await runEpoch(t, ctx);
    expect(ctx.auxiliaryCalls).toHaveLength(1);
    expect(ctx.scoredSamples - before).toBe(45 * 40);
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: 4, seed, scores: { loss }, auxiliaryLosses: irreducible });
      return plansToJson((await runEpoch(create({}, ctx), ctx)).plans);
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
