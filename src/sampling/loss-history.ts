import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { mixWithUniform } from './mixture';
import { SampleScoreTable } from './score-table';

export const LossHistoryParams = z
  .object({
    /** Which score the training steps report is stored: the output-gradient norm or the loss. */
    score: z.enum(['gnorm', 'loss']).default('gnorm'),
    /** Weight of uniform in the mixture; keeps every p_i >= epsilon / N. */
    epsilon: z.number().gt(0).max(1).default(0.1),
  })
  .strict();
export type LossHistoryParams = z.infer<typeof LossHistoryParams>;

/**
 * Online importance sampling from stored scores: each sample keeps the last score its training
 * step reported (unseen samples at the running mean of the seen ones), and every batch is drawn
 * from the whole set with p_i = (1 - epsilon) s_i / sum(s) + epsilon / N, weights 1 / (N p_i):
 * unbiased, and no scoring pass at all.
 */
export class LossHistorySampler implements Strategy {
  private readonly table: SampleScoreTable;
  private steps = 0;

  constructor(
    private readonly params: LossHistoryParams,
    setup: StrategySetup,
  ) {
    this.table = new SampleScoreTable(setup.n);
  }

  epochStart(ctx: StrategyContext): number {
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const p = mixWithUniform(this.table.all(), this.params.epsilon);
    const indices = ctx.rng.categorical(p, ctx.batchSize);
    const weights = Float32Array.from(indices, (i) => 1 / (ctx.n * p[i]));
    return { indices, weights, active: true };
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    const s = this.params.score === 'loss' ? scores.loss : scores.gnorm;
    for (let j = 0; j < plan.indices.length; j++) this.table.set(plan.indices[j], s[j]);
  }

  diagnostics() {
    return { seen_fraction: this.table.seenFraction, score_mean: this.table.mean };
  }

  state() {
    return { scores: this.table.state() };
  }

  restore(state: unknown): void {
    this.table.restore((state as { scores: (number | null)[] }).scores);
  }
}

export const lossHistoryStrategy: StrategyDefinition<LossHistoryParams> = {
  name: 'loss-history',
  description:
    'importance sampling from each sample\'s last training score (no scoring pass), p mixed with uniform by epsilon, weights 1/(N p); unbiased',
  unbiased: true,
  params: LossHistoryParams,
  diagnostics: ['seen_fraction', 'score_mean'],
  create: (params, setup) => new LossHistorySampler(params, setup),
};
