import { z } from 'zod';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition } from '../spec';
import { consecutiveBatch } from './order-batches';

const UniformParams = z.object({}).strict();

/**
 * Keras' `fit` with shuffle: a fresh permutation each epoch, cut into batches of b; the last
 * batch holds the N mod b left over, so an epoch is ceil(N/b) steps and trains every sample once.
 */
class UniformSampler implements Strategy {
  private order: Int32Array = new Int32Array(0);
  private steps = 0;

  epochStart(ctx: StrategyContext): number {
    this.order = ctx.rng.permutation(ctx.n);
    this.steps = Math.ceil(ctx.n / ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    return consecutiveBatch(this.order, this.steps, ctx);
  }

  observe(): void {}

  state() {
    return { order: Array.from(this.order), steps: this.steps };
  }

  restore(state: unknown): void {
    const s = state as { order: number[]; steps: number };
    this.order = Int32Array.from(s.order);
    this.steps = s.steps;
  }
}

export const uniformStrategy: StrategyDefinition<z.infer<typeof UniformParams>> = {
  name: 'uniform',
  description: 'uniform sampling: a shuffled pass over the training set each epoch, the last batch partial, as Keras fit (the baseline)',
  unbiased: true,
  params: UniformParams,
  diagnostics: [],
  create: () => new UniformSampler(),
  baseline: true,
  costModel: () => 1,
};
