import { z } from 'zod';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition } from '../spec';

const increasing = (v: number[]) => v.every((x, i) => i === 0 || x > v[i - 1]);

export const OrderedSgdParams = z
  .object({
    /** q halves once the training-set accuracy measured after an epoch reaches each of these. */
    accuracy_steps: z
      .array(z.number().gt(0).lt(1))
      .min(1)
      .refine(increasing, 'must be increasing')
      .default([0.8, 0.9, 0.95, 0.995]),
    /**
     * How the full pass that measures that accuracy runs the model: 'training' (dropout on) as the
     * original's output(train_loader) does after model.train(), or 'inference'.
     */
    accuracy_mode: z.enum(['training', 'inference']).default('training'),
    /** The learning rate is multiplied by this once, when q reaches its last level. */
    last_level_lr_factor: z.number().gt(0).max(1).default(0.1),
  })
  .strict();
export type OrderedSgdParams = z.infer<typeof OrderedSgdParams>;

/** How many of the accuracy steps an accuracy has reached (>=, as the original compares). */
export function accuracyLevel(accuracy: number, steps: number[]): number {
  return steps.filter((t) => accuracy >= t).length;
}

/** q at a level: int(b / 2^level), at least 1 (the original's int(s / 16) is 0 for s < 16). */
export function orderedSgdQ(batchSize: number, level: number): number {
  return Math.max(1, Math.floor(batchSize / Math.pow(2, level)));
}

/**
 * Ordered SGD (Kawaguchi & Lu 2020, main.py of their code): shuffled batches of b, the last one
 * partial, but each step minimises the mean of the q largest per-sample losses of its batch
 * (BatchPlan.topQ; all of them when q >= the batch). After each epoch a full pass over the
 * training set measures the accuracy; q = b, then b/2, b/4, b/8, b/16 once it reaches 80, 90, 95,
 * 99.5%, and never rises again. When q reaches its last level the learning rate is multiplied by
 * last_level_lr_factor, once. Biased.
 */
export class OrderedSgdSampler implements Strategy {
  private order: Int32Array = new Int32Array(0);
  private steps = 0;
  /** Accuracy steps reached so far: q's level, which only rises. */
  private level = 0;
  private learningRateScale = 1;
  /** The full-pass accuracy this epoch's q was chosen from (NaN in the first epoch). */
  private previousAccuracy = NaN;
  private epochQ = 0;
  private epochLearningRateScale = 1;
  private qAccuracy = NaN;

  constructor(private readonly params: OrderedSgdParams) {}

  epochStart(ctx: StrategyContext): number {
    this.order = ctx.rng.permutation(ctx.n);
    this.steps = Math.ceil(ctx.n / ctx.batchSize);
    this.epochQ = orderedSgdQ(ctx.batchSize, this.level);
    this.epochLearningRateScale = this.learningRateScale;
    this.qAccuracy = this.previousAccuracy;
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const b = ctx.batchSize;
    const indices = this.order.slice(ctx.step * b, (ctx.step + 1) * b);
    const selective = this.epochQ < indices.length;
    return {
      indices,
      weights: null,
      active: selective,
      ...(selective ? { topQ: this.epochQ } : {}),
      ...(this.epochLearningRateScale !== 1 ? { learningRateScale: this.epochLearningRateScale } : {}),
    };
  }

  observe(): void {}

  async epochEnd(ctx: StrategyContext): Promise<void> {
    // no epoch follows the last one, so nothing would use its accuracy
    if (ctx.epoch + 1 >= ctx.epochs) return;
    const accuracy = await ctx.trainingAccuracy(this.params.accuracy_mode);
    this.previousAccuracy = accuracy;
    const last = this.params.accuracy_steps.length;
    const level = Math.max(this.level, accuracyLevel(accuracy, this.params.accuracy_steps));
    if (level === last && this.level < last) this.learningRateScale *= this.params.last_level_lr_factor;
    this.level = level;
  }

  diagnostics() {
    return { q: this.epochQ, q_accuracy: this.qAccuracy, lr_scale: this.epochLearningRateScale };
  }

  state() {
    return {
      level: this.level,
      learningRateScale: this.learningRateScale,
      previousAccuracy: Number.isNaN(this.previousAccuracy) ? null : this.previousAccuracy,
    };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<OrderedSgdSampler['state']>;
    this.level = s.level;
    this.learningRateScale = s.learningRateScale;
    this.previousAccuracy = s.previousAccuracy ?? NaN;
  }
}

export const orderedSgdStrategy: StrategyDefinition<OrderedSgdParams> = {
  name: 'ordered-sgd',
  description:
    'ordered SGD (Kawaguchi & Lu 2020): train on the q largest losses of each uniform batch, q halving as the training-set accuracy reaches 80/90/95/99.5%; biased',
  unbiased: false,
  params: OrderedSgdParams,
  diagnostics: ['q', 'q_accuracy', 'lr_scale'],
  create: (params) => new OrderedSgdSampler(params),
};
