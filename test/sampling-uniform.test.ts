import { uniformStrategy } from '../src/sampling/uniform';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(ctx: MockContext) {
  return uniformStrategy.create(uniformStrategy.params.parse({}), ctx.setup);
}

describe('uniform (Keras fit)', () => {
  it('runs ceil(N/b) steps: full batches of b, then one with the N mod b left over', async () => {
    // 70 samples in batches of 16: 4 full batches and one of 6, as Keras trains 469 steps on 60000 MNIST images at 128
    const ctx = new MockContext({ n: 70, batchSize: 16 });
    const run = await runEpoch(create(ctx), ctx);
    expect(run.planned).toBe(5);
    expect(run.plans.map((p) => p.indices.length)).toEqual([16, 16, 16, 16, 6]);
    expect(run.plans.every((p) => p.weights === null && p.active === false)).toBe(true);
  });

  it('trains every sample exactly once per epoch, in a new order each epoch', async () => {
    const ctx = new MockContext({ n: 70, batchSize: 16, seed: 4 });
    const [a, b] = await runEpochs(create(ctx), ctx, 2);
    for (const run of [a, b]) {
      const seen = run.plans.flatMap((p) => Array.from(p.indices)).sort((x, y) => x - y);
      expect(seen).toEqual(Array.from({ length: 70 }, (_, i) => i));
    }
    expect(plansToJson(a.plans)).not.toEqual(plansToJson(b.plans));
  });

  it('has no partial batch when b divides N', async () => {
    const ctx = new MockContext({ n: 64, batchSize: 16 });
    const run = await runEpoch(create(ctx), ctx);
    expect(run.plans.map((p) => p.indices.length)).toEqual([16, 16, 16, 16]);
  });
});
