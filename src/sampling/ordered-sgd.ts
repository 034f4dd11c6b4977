import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition } from '../spec';

const increasing = (v: number[]) => v.every((x, i) => i === 0 || x > v[i - 1]);

export const OrderedSgdParams = z
  .object({
    /** q halves each time the previous epoch's training accuracy passes one of these. */
    accuracy_steps: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .refine(increasing, 'must be increasing')
      .default([0.8, 0.9, 0.95, 0.995]),
  })
  .strict();
export type OrderedSgdParams = z.infer<typeof OrderedSgdParams>;

/** q = b / 2^(number of accuracy steps passed), at least 1. */
export function orderedSgdQ(batchSize: number, accuracy: number, steps: number[]): number {
  const passed = steps.filter((t) => accuracy > t).length;
  return Math.max(1, Math.floor(batchSize / Math.pow(2, passed)));
}

/**
 * Ordered SGD (Kawaguchi & Lu 2020): uniform shuffled batches, but the step minimises the mean
 * of the q largest per-sample losses of the batch (BatchPlan.topQ). q is fixed per epoch from
 * the training accuracy the strategy saw over the whole previous epoch (every sample of every
 * batch, from scores.correct): b, then b/2, b/4, b/8, b/16 past 80%, 90%, 95%, 99.5%. Biased.
 */
export class OrderedSgdSampler implements Strategy {
  private order: Int32Array = new Int32Array(0);
  private steps = 0;
  private q = 0;
  /** Accuracy over the previous epoch (NaN before the first epoch ends). */
  private previousAccuracy = NaN;
  /** The accuracy this epoch's q was chosen from. */
  private qAccuracy = NaN;
  private correct = 0;
  private observed = 0;

  constructor(private readonly params: OrderedSgdParams) {}

  epochStart(ctx: StrategyContext): number {
    this.order = ctx.rng.permutation(ctx.n);
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    this.qAccuracy = this.previousAccuracy;
    const acc = Number.isNaN(this.previousAccuracy) ? 0 : this.previousAccuracy;
    this.q = orderedSgdQ(ctx.batchSize, acc, this.params.accuracy_steps);
    this.correct = 0;
    this.observed = 0;
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const b = ctx.batchSize;
    const selective = this.q < b;
    return {
      indices: this.order.slice(ctx.step * b, (ctx.step + 1) * b),
      weights: null,
      active: selective,
      ...(selective ? { topQ: this.q } : {}),
    };
  }

  observe(_plan: BatchPlan, scores: SampleScores): void {
    for (const c of scores.correct) this.correct += c;
    this.observed += scores.correct.length;
  }

  epochEnd(): void {
    if (this.observed > 0) this.previousAccuracy = this.correct / this.observed;
  }

  diagnostics() {
    return { q: this.q, q_accuracy: this.qAccuracy };
  }

  state() {
    return { previousAccuracy: Number.isNaN(this.previousAccuracy) ? null : this.previousAccuracy };
  }

  restore(state: unknown): void {
    const s = state as { previousAccuracy: number | null };
    this.previousAccuracy = s.previousAccuracy ?? NaN;
  }
}

export const orderedSgdStrategy: StrategyDefinition<OrderedSgdParams> = {
  name: 'ordered-sgd',
  description:
    'ordered SGD (Kawaguchi & Lu 2020): train on the q largest losses of each uniform batch, q halving as training accuracy passes 80/90/95/99.5%; biased',
  unbiased: false,
  params: OrderedSgdParams,
  diagnostics: ['q', 'q_accuracy'],
  create: (params) => new OrderedSgdSampler(params),
};
