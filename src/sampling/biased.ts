import { z } from 'zod';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { importanceDraw, pick } from './importance-draw';
import { ALWAYS_ON_CANDIDATES_PER_SAMPLE, requireCandidates } from './param-checks';
import { makeSmoother, type ScoreSmoother } from './smoothing';

export const BiasedParams = z
  .object({
    /** Bias power of the weights: 1 unbiased, 0 unweighted (focus on hard samples). */
    k: z.number().min(0).max(1).default(0.5),
    /** Added to every score (or, adaptive, this fraction of the running score mean). */
    smooth: z.number().min(0).default(0),
    adaptive_smoothing: z.boolean().default(false),
    /** Candidates scored per step: an absolute count, larger than the batch size. */
    presample: z.number().int().positive().default(256),
    score: z.enum(['gnorm', 'loss', 'full_gnorm']).default('gnorm'),
    /** Rows per forward pass of the scoring pass: only the pass's speed depends on it. */
    forward_batch_size: z.number().int().positive().default(128),
  })
  .strict();
export type BiasedParams = z.infer<typeof BiasedParams>;

/**
 * The reference's BiasedImportanceTraining, which is its 2017 ImportanceTraining under another
 * name: every step, score `presample` candidates drawn uniformly with replacement (inference
 * mode, forward_batch_size rows at a time), smooth the scores, draw b of them with replacement
 * with p proportional to the smoothed scores, weight w = mean(s) / s_i, then w^k rescaled over
 * the batch so that sum(w^k s) = sum(w s). Always on (no tau gate); N // b steps per epoch.
 */
export class BiasedSampler implements Strategy {
  private readonly smoother: ScoreSmoother;
  private steps = 0;
  private scoreSum = 0;
  private scoreCount = 0;

  constructor(
    private readonly params: BiasedParams,
    setup: StrategySetup,
  ) {
    requireCandidates('biased', 'presample', params.presample, setup, ALWAYS_ON_CANDIDATES_PER_SAMPLE);
    this.smoother = makeSmoother(params.smooth, params.adaptive_smoothing);
  }

  epochStart(ctx: StrategyContext): number {
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    this.scoreSum = 0;
    this.scoreCount = 0;
    return this.steps;
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    if (ctx.step >= this.steps) return null;
    const candidates = ctx.rng.uniformIndices(ctx.n, this.params.presample);
    const raw = await ctx.score(candidates, this.params.score, { forwardBatchSize: this.params.forward_batch_size });
    for (const s of raw) this.scoreSum += s;
    this.scoreCount += raw.length;
    const draw = importanceDraw(ctx.rng, this.smoother.apply(raw), ctx.batchSize, this.params.k);
    return { indices: pick(candidates, draw.positions), weights: draw.weights, active: true };
  }

  observe(): void {}

  diagnostics() {
    return {
      score_mean: this.scoreCount > 0 ? this.scoreSum / this.scoreCount : NaN,
      smoothing: this.smoother.offset,
    };
  }

  state() {
    return { smoother: this.smoother.state() };
  }

  restore(state: unknown): void {
    this.smoother.restore((state as { smoother: { mu: number } }).smoother);
  }
}

export const biasedStrategy: StrategyDefinition<BiasedParams> = {
  name: 'biased',
  description:
    'biased importance sampling (BiasedImportanceTraining; the 2017 ImportanceTraining): score a presample every step, weights (1/(B p))^k rescaled; biased unless k = 1',
  unbiased: false,
  params: BiasedParams,
  diagnostics: ['score_mean', 'smoothing'],
  create: (params, setup) => new BiasedSampler(params, setup),
  costModel: (params, setup) => (params.presample + 3 * setup.batchSize) / (3 * setup.batchSize),
};
