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
  it('defaults: the paper\'s half of the training set held out, 10 epochs (ours), selection ratio 0.1, selection in training mode; biased', () => {
    expect(rhoLossStrategy.params.parse({})).toEqual({
      holdout: 0.5,
      irreducible_epochs: 10,
      selection_ratio: 0.1,
      selection_mode: 'training',
    });
    expect(rhoLossStrategy.unbiased).toBe(false);
    expect(rhoLossStrategy.description).toMatch(/biased/);
  });

  it.each([
    [{ holdout: 0 }, 'holdout'],
    [{ holdout: 1 }, 'holdout'],
    [{ selection_ratio: 1 }, 'selection_ratio'],
    [{ irreducible_epochs: 0 }, 'irreducible_epochs'],
    [{ selection_mode: 'eval' }, 'selection_mode'],
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
  it('trains the irreducible-loss model once, on a held-out part the arm never trains or scores on, keeping its best validation epoch', async () => {
    const ctx = new MockContext({
      n,
      batchSize: 4,
      epochs: 3,
      scores: { loss },
      auxiliaryLosses: irreducible,
      auxiliaryBest: { epoch: 2, validationLoss: 0.75 },
    });
    const s = create({ irreducible_epochs: 3, holdout: 0.1 }, ctx);
    const runs = await runEpochs(s, ctx, 3);
    expect(ctx.auxiliaryCalls).toHaveLength(1);
    expect(ctx.auxiliaryDisposed).toBe(1);
    const { indices: heldOut, epochs, options } = ctx.auxiliaryCalls[0];
    expect(epochs).toBe(3);
    // the original trains it with the data module's batch size, the candidate batch B = b / 0.1
    expect(options).toEqual({ batchSize: 40, keepBestValidation: true });
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
    for (const run of runs) {
      expect(run.diagnostics.irreducible_best_epoch).toBe(2);
      expect(run.diagnostics.irreducible_val_loss).toBe(0.75);
    }
  });

  it('holds out half of the training set by default, as the paper does for CIFAR-10', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { loss }, auxiliaryLosses: irreducible });
    await runEpoch(create({}, ctx), ctx);
    expect(ctx.auxiliaryCalls[0].indices).toHaveLength(100);
  });

  it('runs one shuffled pass over the pool in batches of B = b / 0.1 candidates, training the top b by loss - irreducible loss', async () => {
    const b = 4;
    // pool of 180 = 4 full batches of 40 and one of 20, which trains int(20 * 0.1) = 2
    const ctx = new MockContext({ n, batchSize: b, scores: { loss }, auxiliaryLosses: irreducible, seed: 5 });
    const run = await runEpoch(create({ holdout: 0.1 }, ctx), ctx);
    expect(run.planned).toBe(5);
    expect(ctx.scoreCalls.map((c) => c.indices.length)).toEqual([40, 40, 40, 40, 20]);
    expect(run.plans.map((p) => p.indices.length)).toEqual([4, 4, 4, 4, 2]);
    const candidates = ctx.scoreCalls.flatMap((c) => Array.from(c.indices));
    expect(new Set(candidates).size).toBe(180); // every pool sample is a candidate exactly once
    let selectedSum = 0;
    run.plans.forEach((plan, t) => {
      const call = ctx.scoreCalls[t];
      expect(call.kind).toBe('loss');
      expect(call.options).toEqual({ mode: 'training' });
      const rho = Array.from(call.indices, (i) => ({ i, r: Math.fround(loss[i]) - Math.fround(irreducible[i]) }));
      rho.sort((x, y) => y.r - x.r);
      const k = plan.indices.length;
      expect(Array.from(plan.indices).sort()).toEqual(rho.slice(0, k).map((x) => x.i).sort());
      expect(plan.weights).toBeNull();
      expect(plan.active).toBe(true);
      selectedSum += rho.slice(0, k).reduce((a, x) => a + x.r, 0);
    });
    expect(run.diagnostics.selected_reducible_loss).toBeCloseTo(selectedSum / 18, 4);
  });

  it('selects in inference mode when asked', async () => {
    const ctx = new MockContext({ n, batchSize: 4, scores: { loss }, auxiliaryLosses: irreducible });
    await runEpoch(create({ selection_mode: 'inference' }, ctx), ctx);
    expect(ctx.scoreCalls.every((c) => c.options.mode === 'inference')).toBe(true);
  });

  it('draws a new order over the pool every epoch', async () => {
    const ctx = new MockContext({ n, batchSize: 4, epochs: 2, scores: { loss }, auxiliaryLosses: irreducible });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    const first = ctx.scoreCalls.map((c) => Array.from(c.indices));
    ctx.epoch = 1;
    await runEpoch(s, ctx);
    const second = ctx.scoreCalls.slice(first.length).map((c) => Array.from(c.indices));
    expect(second.flat().sort()).toEqual(first.flat().sort());
    expect(second).not.toEqual(first);
  });

  it('resumes from state() without training the irreducible-loss model again', async () => {
    const ctx = new MockContext({ n, batchSize: 4, epochs: 2, scores: { loss }, auxiliaryLosses: irreducible });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    const t = create({}, ctx);
    t.restore(JSON.parse(JSON.stringify(s.state())));
    ctx.epoch = 1;
    const before = ctx.scoredSamples;
    const run = await runEpoch(t, ctx);
    expect(ctx.auxiliaryCalls).toHaveLength(1);
    expect(ctx.scoredSamples - before).toBe(100); // the pool, once
    expect(run.diagnostics.irreducible_best_epoch).toBe(10);
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
