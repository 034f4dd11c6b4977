import { randomSubsetStrategy, subsetSize } from '../src/sampling/random-subset';
import { MockContext, plansToJson, runEpoch, runEpochs } from './helpers/mock-context';

function create(ctx: MockContext, params: Record<string, unknown> = {}) {
  return randomSubsetStrategy.create(randomSubsetStrategy.params.parse(params), ctx.setup);
}

const indicesOf = (run: { plans: { indices: Int32Array }[] }) => run.plans.flatMap((p) => Array.from(p.indices));

describe('random-subset (RS2 without replacement)', () => {
  it('trains floor(ratio * N) samples per epoch, each once, in batches of b with the last one partial', async () => {
    // 100 samples, ratio 0.1 (the default, the paper's 10%): 10 samples in batches of 4, 4 and 2
    const ctx = new MockContext({ n: 100, batchSize: 4 });
    const run = await runEpoch(create(ctx), ctx);
    expect(run.planned).toBe(3);
    expect(run.plans.map((p) => p.indices.length)).toEqual([4, 4, 2]);
    expect(new Set(indicesOf(run)).size).toBe(10);
    expect(run.plans.every((p) => p.weights === null && p.active === false)).toBe(true);
    expect(run.diagnostics.subset).toBe(10);
  });

  it('visits the whole training set once before any sample repeats, across epochs', async () => {
    // ratio 0.25 of 40: 10 per epoch, 4 epochs are one pass over all 40
    const ctx = new MockContext({ n: 40, batchSize: 8, seed: 3 });
    const runs = await runEpochs(create(ctx, { ratio: 0.25 }), ctx, 4);
    const pass = runs.flatMap(indicesOf).sort((a, b) => a - b);
    expect(pass).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // each epoch a different subset
    expect(plansToJson(runs[0].plans)).not.toEqual(plansToJson(runs[1].plans));
  });

  it('completes a subset that straddles two permutations without repeating a sample inside it', async () => {
    // ratio 0.3 of 10: 3 per epoch; the fourth epoch takes the last sample of the first pass and 2 of the next
    const ctx = new MockContext({ n: 10, batchSize: 8, seed: 5 });
    const runs = await runEpochs(create(ctx, { ratio: 0.3 }), ctx, 7);
    for (const run of runs) expect(new Set(indicesOf(run)).size).toBe(3);
    const firstPass = runs.slice(0, 3).flatMap(indicesOf);
    const left = Array.from({ length: 10 }, (_, i) => i).filter((i) => !firstPass.includes(i));
    expect(left).toHaveLength(1);
    expect(indicesOf(runs[3])).toContain(left[0]);
  });

  it('sizes: floor, at least one; ratio in (0, 1]', () => {
    expect(subsetSize(0.1, 60000)).toBe(6000);
    expect(subsetSize(0.1, 99)).toBe(9);
    expect(subsetSize(0.001, 10)).toBe(1);
    expect(randomSubsetStrategy.params.safeParse({ ratio: 0 }).success).toBe(false);
    expect(randomSubsetStrategy.params.safeParse({ ratio: 1.5 }).success).toBe(false);
    expect(randomSubsetStrategy.costModel!({ ratio: 0.1 }, { n: 10, batchSize: 2, epochs: 1, numClasses: 2 })).toBe(1);
  });
});
