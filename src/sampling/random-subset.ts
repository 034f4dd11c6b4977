import { z } from 'zod';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition } from '../spec';
import { consecutiveBatch } from './order-batches';

export const RandomSubsetParams = z
  .object({
    /** Fraction r of the training set trained on per epoch (a round): ratio * N samples. */
    ratio: z.number().gt(0).max(1).default(0.1),
  })
  .strict();
export type RandomSubsetParams = z.infer<typeof RandomSubsetParams>;

/** Samples per round: floor(ratio * N), at least one. */
export function subsetSize(ratio: number, n: number): number {
  return Math.max(1, Math.floor(ratio * n));
}

/**
 * Repeated sampling of random subsets without replacement (RS2, Okanovic et al., ICLR 2024): each
 * epoch trains on a fresh uniform subset of floor(ratio * N) samples, in batches of b (the last
 * one partial), each sample of it once. "Without replacement" holds across epochs too: the
 * subsets are consecutive slices of one permutation of the training set, so no sample comes back
 * before every other one was visited; when a permutation runs out, the subset is completed from a
 * new one (without the samples it already holds). Unweighted and unbiased over a pass.
 */
export class RandomSubsetSampler implements Strategy {
  private permutation: Int32Array = new Int32Array(0);
  private cursor = 0;
  private order: Int32Array = new Int32Array(0);
  private steps = 0;

  constructor(private readonly params: RandomSubsetParams) {}

  epochStart(ctx: StrategyContext): number {
    const m = subsetSize(this.params.ratio, ctx.n);
    const subset = new Int32Array(m);
    let filled = 0;
    const taken = new Set<number>();
    while (filled < m) {
      if (this.cursor >= this.permutation.length) {
        this.permutation = ctx.rng.permutation(ctx.n);
        this.cursor = 0;
      }
      const i = this.permutation[this.cursor++];
      // a sample left at the end of the last permutation may come up again at the start of the new one
      if (taken.has(i)) continue;
      taken.add(i);
      subset[filled++] = i;
    }
    this.order = subset;
    this.steps = Math.ceil(m / ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    return consecutiveBatch(this.order, this.steps, ctx);
  }

  observe(): void {}

  diagnostics() {
    return { subset: this.order.length };
  }

  state() {
    return { permutation: Array.from(this.permutation), cursor: this.cursor, order: Array.from(this.order), steps: this.steps };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<RandomSubsetSampler['state']>;
    this.permutation = Int32Array.from(s.permutation);
    this.cursor = s.cursor;
    this.order = Int32Array.from(s.order);
    this.steps = s.steps;
  }
}

export const randomSubsetStrategy: StrategyDefinition<RandomSubsetParams> = {
  name: 'random-subset',
  description: 'RS2 without replacement (Okanovic et al. 2024): each epoch a fresh uniform subset of ratio * N samples, each trained once; unbiased',
  unbiased: true,
  params: RandomSubsetParams,
  diagnostics: ['subset'],
  create: (params) => new RandomSubsetSampler(params),
  costModel: () => 1,
};
