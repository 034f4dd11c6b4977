import { z } from 'zod';
import type { BatchPlan, SampleScores, ScoreKind, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { importanceDraw, pick } from './importance-draw';
import { GATED_CANDIDATES_PER_SAMPLE, requireCandidates } from './param-checks';
import { emaUpdate, varianceReductionTau } from './variance-reduction';

export const UpperBoundParams = z
  .object({
    /** B = floor(presample * b) candidates are scored per importance step. */
    presample: z.number().gt(1).default(3),
    /** Importance sampling turns on when tau exceeds this; default (B + 3b) / (3b). */
    tau_th: z.number().gt(1).optional(),
    score: z.enum(['gnorm', 'loss', 'full_gnorm']).default('gnorm'),
    /** Rows per forward pass of the scoring pass (default b, as the reference): only its speed depends on it. */
    forward_batch_size: z.number().int().positive().optional(),
  })
  .strict();
export type UpperBoundParams = z.infer<typeof UpperBoundParams>;

/** tau_th = (B + 3b) / (3b): the variance reduction that pays for the extra B forward passes. */
export function defaultTauThreshold(presampleSize: number, batchSize: number): number {
  return (presampleSize + 3 * batchSize) / (3 * batchSize);
}

/**
 * The reference's ImportanceTraining as of 2018 (commit 6bef4ec on): when the tau EMA exceeds
 * tau_th, score B uniform candidates in inference mode and draw b of them with p_i proportional
 * to their score, weight 1/(B p_i); otherwise train on b uniform draws and update tau with the
 * training step's own (training-mode) scores.
 */
export class UpperBoundSampler implements Strategy {
  readonly presampleSize: number;
  readonly tauThreshold: number;
  private tau = 0;
  private steps = 0;

  constructor(
    private readonly params: UpperBoundParams,
    setup: StrategySetup,
  ) {
    this.presampleSize = Math.floor(params.presample * setup.batchSize);
    requireCandidates('upper-bound', 'presample', this.presampleSize, setup, GATED_CANDIDATES_PER_SAMPLE);
    this.tauThreshold = params.tau_th ?? defaultTauThreshold(this.presampleSize, setup.batchSize);
  }

  get currentTau(): number {
    return this.tau;
  }

  epochStart(ctx: StrategyContext): number {
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    return this.steps;
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    if (ctx.step >= this.steps) return null;
    const b = ctx.batchSize;
    if (this.tau > this.tauThreshold) {
      const candidates = ctx.rng.uniformIndices(ctx.n, this.presampleSize);
      const scores = await ctx.score(candidates, this.params.score as ScoreKind, {
        forwardBatchSize: this.params.forward_batch_size ?? b,
      });
      this.tau = emaUpdate(this.tau, varianceReductionTau(scores));
      const draw = importanceDraw(ctx.rng, scores, b);
      return { indices: pick(candidates, draw.positions), weights: draw.weights, active: true };
    }
    return { indices: ctx.rng.uniformIndices(ctx.n, b), weights: null, active: false };
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    if (plan.active) return; // tau was updated from the presample scores
    // full_gnorm: the training step reports only the bound, which stands in for it here
    const s = this.params.score === 'loss' ? scores.loss : scores.gnorm;
    this.tau = emaUpdate(this.tau, varianceReductionTau(s));
  }

  diagnostics() {
    return {
      tau: this.tau,
      tau_th: this.tauThreshold,
    };
  }

  state() {
    return { tau: this.tau };
  }

  restore(state: unknown): void {
    this.tau = (state as { tau: number }).tau;
  }
}

export const upperBoundStrategy: StrategyDefinition<UpperBoundParams> = {
  name: 'upper-bound',
  description:
    'importance sampling with the gradient-norm upper bound (ImportanceTraining as of 2018): unbiased, switches on when the variance reduction tau exceeds tau_th',
  unbiased: true,
  params: UpperBoundParams,
  diagnostics: ['tau_th'],
  create: (params, setup) => new UpperBoundSampler(params, setup),
  // the step cost once importance sampling is on; tau decides how often it is
  costModel: (params, setup) => defaultTauThreshold(Math.floor(params.presample * setup.batchSize), setup.batchSize),
};
