import { accuracyLevel, orderedSgdQ, orderedSgdStrategy } from '../src/sampling/ordered-sgd';
import type { ForwardMode } from '../src/spec';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return orderedSgdStrategy.create(orderedSgdStrategy.params.parse(params), ctx.setup);
}

const steps = [0.8, 0.9, 0.95, 0.995];

/** A context whose full-pass training accuracy after epoch e is accuracies[e]. */
function withAccuracies(accuracies: number[], opts: { n?: number; b?: number; seed?: number; correct?: Uint8Array } = {}) {
  const n = opts.n ?? 100;
  let calls = 0;
  return new MockContext({
    n,
    batchSize: opts.b ?? 16,
    epochs: accuracies.length + 1,
    seed: opts.seed ?? 1,
    correct: opts.correct,
    trainingAccuracy: () => accuracies[calls++],
  });
}

describe('ordered-sgd q schedule', () => {
  it('reaches a level at >= its accuracy, as the original compares', () => {
    expect([0, 0.79, 0.8, 0.85, 0.9, 0.95, 0.994, 0.995, 1].map((a) => accuracyLevel(a, steps))).toEqual([0, 0, 1, 1, 2, 3, 3, 4, 4]);
  });

  it('is int(b / 2^level): b, b/2, b/4, b/8, b/16, never below 1', () => {
    expect([0, 1, 2, 3, 4].map((l) => orderedSgdQ(64, l))).toEqual([64, 32, 16, 8, 4]);
    expect([0, 1, 2, 3, 4].map((l) => orderedSgdQ(100, l))).toEqual([100, 50, 25, 12, 6]);
    expect(orderedSgdQ(8, 4)).toBe(1);
  });

  it('has the original\'s defaults and rejects bad parameters naming the field', () => {
    expect(orderedSgdStrategy.params.parse({})).toEqual({ accuracy_steps: steps, accuracy_mode: 'training', last_level_lr_factor: 0.1 });
    expect(orderedSgdStrategy.unbiased).toBe(false);
    expect(orderedSgdStrategy.description).toMatch(/biased/);
    for (const [params, path] of [
      [{ accuracy_steps: [0.9, 0.8] }, ['accuracy_steps']],
      [{ accuracy_steps: [1.5] }, ['accuracy_steps', 0]],
      [{ accuracy_mode: 'eval' }, ['accuracy_mode']],
      [{ last_level_lr_factor: 0 }, ['last_level_lr_factor']],
      [{ last_level_lr_factor: 2 }, ['last_level_lr_factor']],
    ] as const) {
      const r = orderedSgdStrategy.params.safeParse(params);
      expect(r.success).toBe(false);
      if (!r.success) expect(r.error.issues[0].path).toEqual(path);
    }
  });
});

describe('ordered-sgd', () => {
  const b = 16;

  it('trains every sample once per epoch in ceil(N/b) batches, the last partial; q = b in the first epoch', async () => {
    const ctx = withAccuracies([0.1]);
    const run = await runEpoch(create({}, ctx), ctx);
    expect(run.planned).toBe(7);
    expect(run.plans.map((p) => p.indices.length)).toEqual([16, 16, 16, 16, 16, 16, 4]);
    const seen = run.plans.flatMap((p) => Array.from(p.indices)).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(run.plans.every((p) => p.topQ === undefined && p.weights === null && p.active === false)).toBe(true);
    expect(run.plans.every((p) => p.learningRateScale === undefined)).toBe(true);
    expect(run.diagnostics.q).toBe(b);
    expect(run.diagnostics.q_accuracy).toBeNaN();
  });

  it('lowers q from a full pass over the training set after the epoch, not from the trained batches', async () => {
    // every trained batch is classified correctly, but the full pass says 85%: one level
    const ctx = withAccuracies([0.85, 0.85], { correct: new Uint8Array(100).fill(1) });
    const s = create({}, ctx);
    const [first, second] = await runEpochs(s, ctx, 2);
    expect(ctx.accuracyCalls.map((c) => [c.epoch, c.step, c.mode])).toEqual([
      [0, 7, 'training'], // after the epoch's 7 steps, in training mode (the original's model.train())
      [1, 7, 'training'],
    ]);
    expect(first.diagnostics.q).toBe(b);
    expect(second.diagnostics.q).toBe(8);
    expect(second.diagnostics.q_accuracy).toBe(0.85);
    // full batches take the top 8; the partial batch of 4 is trained whole
    expect(second.plans.slice(0, 6).every((p) => p.topQ === 8 && p.active === true)).toBe(true);
    expect(second.plans[6].topQ).toBeUndefined();
  });

  it('measures in inference mode when asked', async () => {
    const ctx = withAccuracies([0.5]);
    await runEpoch(create({ accuracy_mode: 'inference' }, ctx), ctx);
    expect(ctx.accuracyCalls.map((c) => c.mode as ForwardMode)).toEqual(['inference']);
  });

  it('never raises q again when the accuracy drops', async () => {
    const ctx = withAccuracies([0.96, 0.5, 0.91, 0.2]);
    const runs = await runEpochs(create({}, ctx), ctx, 5);
    // 96% reaches level 3 (b/8 = 2); 50% and 91% (level 2) leave it there
    expect(runs.map((r) => r.diagnostics.q)).toEqual([16, 2, 2, 2, 2]);
    expect(runs.map((r) => r.diagnostics.q_accuracy)).toEqual([NaN, 0.96, 0.5, 0.91, 0.2]);
  });

  it('scales the learning rate by last_level_lr_factor once, when q reaches its last level', async () => {
    const ctx = withAccuracies([0.9, 0.995, 0.999, 0.999]);
    const runs = await runEpochs(create({}, ctx), ctx, 5);
    expect(runs.map((r) => r.diagnostics.q)).toEqual([16, 4, 1, 1, 1]);
    expect(runs.map((r) => r.diagnostics.lr_scale)).toEqual([1, 1, 0.1, 0.1, 0.1]);
    expect(runs.map((r) => r.plans.map((p) => p.learningRateScale ?? 1))).toEqual([
      new Array(7).fill(1),
      new Array(7).fill(1),
      new Array(7).fill(0.1),
      new Array(7).fill(0.1),
      new Array(7).fill(0.1),
    ]);
    const half = withAccuracies([0.999]);
    const [, last] = await runEpochs(create({ last_level_lr_factor: 0.5 }, half), half, 2);
    expect(last.plans.every((p) => p.learningRateScale === 0.5)).toBe(true);
  });

  it('makes no accuracy pass after the last epoch', async () => {
    const ctx = withAccuracies([0.5, 0.5]);
    await runEpochs(create({}, ctx), ctx, 3);
    expect(ctx.accuracyCalls.map((c) => c.epoch)).toEqual([0, 1]);
  });

  it('restores q\'s level and the learning-rate scale from state()', async () => {
    const ctx = withAccuracies([0.999, 0.5]);
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    const t = create({}, ctx);
    t.restore!(JSON.parse(JSON.stringify(s.state!())));
    ctx.epoch = 1;
    const run = await runEpoch(t, ctx);
    expect(run.diagnostics.q).toBe(1);
    expect(run.plans.every((p) => p.learningRateScale === 0.1)).toBe(true);
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = withAccuracies([0.85, 0.9], { seed });
      return (await runEpochs(create({}, ctx), ctx, 2)).flatMap((r) => plansToJson(r.plans));
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
