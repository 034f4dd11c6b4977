import { orderedSgdQ, orderedSgdStrategy } from '../src/sampling/ordered-sgd';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(params: Record<string, unknown>, ctx: MockContext) {
  return orderedSgdStrategy.create(orderedSgdStrategy.params.parse(params), ctx.setup);
}

const steps = [0.8, 0.9, 0.95, 0.995];

describe('ordered-sgd q schedule', () => {
  it('is b, b/2, b/4, b/8, b/16 once accuracy passes 80%, 90%, 95%, 99.5%', () => {
    expect([0, 0.8, 0.81, 0.9, 0.91, 0.951, 0.995, 0.996, 1].map((a) => orderedSgdQ(128, a, steps))).toEqual([
      128, 128, 64, 64, 32, 16, 16, 8, 8,
    ]);
    expect(orderedSgdQ(8, 0.999, steps)).toBe(1); // never below 1
  });

  it('has those steps as defaults and rejects bad ones naming the field', () => {
    expect(orderedSgdStrategy.params.parse({})).toEqual({ accuracy_steps: steps });
    expect(orderedSgdStrategy.unbiased).toBe(false);
    expect(orderedSgdStrategy.description).toMatch(/biased/);
    const dec = orderedSgdStrategy.params.safeParse({ accuracy_steps: [0.9, 0.8] });
    expect(dec.success).toBe(false);
    if (!dec.success) expect(dec.error.issues[0].path).toEqual(['accuracy_steps']);
    const big = orderedSgdStrategy.params.safeParse({ accuracy_steps: [1.5] });
    expect(big.success).toBe(false);
    if (!big.success) expect(big.error.issues[0].path).toEqual(['accuracy_steps', 0]);
  });
});

describe('ordered-sgd', () => {
  const n = 100;
  const b = 16;

  it('trains on whole uniform batches in the first epoch (q = b, no topQ)', async () => {
    const ctx = new MockContext({ n, batchSize: b });
    const run = await runEpoch(create({}, ctx), ctx);
    expect(run.plans).toHaveLength(6);
    const seen = run.plans.flatMap((p) => Array.from(p.indices));
    expect(new Set(seen).size).toBe(96);
    expect(run.plans.every((p) => p.topQ === undefined && p.weights === null && p.active === false)).toBe(true);
    expect(run.diagnostics.q).toBe(b);
    expect(run.diagnostics.q_accuracy).toBeNaN();
  });

  it('sets q from the training accuracy over the whole previous epoch (from scores.correct)', async () => {
    // 85% of the samples are classified correctly in epoch 0, 96% in epoch 1
    const correct = new Uint8Array(n);
    const ctx = new MockContext({ n, batchSize: b, correct, seed: 3 });
    const s = create({}, ctx);
    correct.fill(1, 0, 85);
    const first = await runEpoch(s, ctx);
    const acc0 = first.plans.flatMap((p) => Array.from(p.indices)).filter((i) => correct[i]).length / 96;
    correct.fill(1, 0, 96);
    ctx.epoch = 1;
    const second = await runEpoch(s, ctx);
    const expectedQ = orderedSgdQ(b, acc0, steps);
    expect(expectedQ).toBeLessThan(b);
    expect(second.diagnostics.q).toBe(expectedQ);
    expect(second.diagnostics.q_accuracy).toBeCloseTo(acc0, 12);
    expect(second.plans.every((p) => p.topQ === expectedQ && p.active === true && p.indices.length === b)).toBe(true);
    const acc1 = second.plans.flatMap((p) => Array.from(p.indices)).filter((i) => correct[i]).length / 96;
    ctx.epoch = 2;
    const third = await runEpoch(s, ctx);
    expect(third.diagnostics.q).toBe(orderedSgdQ(b, acc1, steps));
    expect(third.diagnostics.q).toBeLessThan(expectedQ);
  });

  it('restores the accuracy that drives q', async () => {
    const ctx = new MockContext({ n, batchSize: b, correct: new Uint8Array(n).fill(1) });
    const s = create({}, ctx);
    await runEpoch(s, ctx);
    const t = create({}, ctx);
    t.restore!(JSON.parse(JSON.stringify(s.state!())));
    ctx.epoch = 1;
    expect((await runEpoch(t, ctx)).diagnostics.q).toBe(1); // 100% accuracy: b / 16 = 1
  });

  it('is deterministic under a seed', async () => {
    const run = async (seed: number) => {
      const ctx = new MockContext({ n, batchSize: b, seed, correct: new Uint8Array(n).fill(1) });
      return (await runEpochs(create({}, ctx), ctx, 2)).flatMap((r) => plansToJson(r.plans));
    };
    expect(await run(1)).toEqual(await run(1));
    expect(await run(1)).not.toEqual(await run(2));
  });
});
