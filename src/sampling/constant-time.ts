import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition } from '../spec';
import { importanceDraw, pick } from './importance-draw';
import { emaUpdate, varianceReductionTau } from './variance-reduction';

export const ConstantTimeParams = z
  .object({
    /** Importance sampling turns on when the tau EMA exceeds this. */
    tau_th: z.number().gt(1).default(2),
    /** Cost of a backward pass in forward passes: a uniform step costs (1 + backward_time) b. */
    backward_time: z.number().positive().default(2),
    /** How the spare budget is split between scoring more (1) and training more (0). */
    ratio: z.number().min(0).max(1).default(0.5),
    /** The trained batch never shrinks below this fraction of b. */
    min_a: z.number().gt(0).max(1).default(0.2),
    score: z.enum(['gnorm', 'loss', 'full_gnorm']).default('gnorm'),
  })
  .strict();
export type ConstantTimeParams = z.infer<typeof ConstantTimeParams>;

/**
 * The reference's ConstantTimeSampler sizes: with t = (1 + backward_time) b,
 * a = max(min_a b, b / tau), B' = t - (1 + backward_time) a, B' = floor(b + (B' - b) ratio),
 * a = floor((t - B') / (1 + backward_time)). Both at least 1.
 */
export function constantTimeSizes(
  batchSize: number,
  tau: number,
  params: Pick<ConstantTimeParams, 'backward_time' | 'ratio' | 'min_a'>,
): { scored: number; trained: number } {
  const perSample = 1 + params.backward_time;
  const t = perSample * batchSize;
  const a0 = Math.max(params.min_a * batchSize, batchSize / tau);
  const b0 = t - perSample * a0;
  const scored = Math.max(1, Math.floor(batchSize + (b0 - batchSize) * params.ratio));
  const trained = Math.max(1, Math.floor((t - scored) / perSample));
  return { scored, trained };
}

/**
 * ConstantTimeImportanceTraining: when tau > tau_th, score B' uniform candidates and train on
 * `a` of them drawn with p proportional to the score, weight 1/(B' p) (unbiased), so the step
 * costs what a uniform step costs; otherwise uniform, with tau updated from the training scores.
 */
export class ConstantTimeSampler implements Strategy {
  private tau = 0;
  private steps = 0;
  private activeSteps = 0;
  private scoredSum = 0;
  private trainedSum = 0;

  constructor(private readonly params: ConstantTimeParams) {}

  get currentTau(): number {
    return this.tau;
  }

  epochStart(ctx: StrategyContext): number {
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    this.activeSteps = 0;
    this.scoredSum = 0;
    this.trainedSum = 0;
    return this.steps;
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    if (ctx.step >= this.steps) return null;
    if (this.tau > this.params.tau_th) {
      const { scored, trained } = constantTimeSizes(ctx.batchSize, this.tau, this.params);
      const candidates = ctx.rng.uniformIndices(ctx.n, scored);
      // the reference scores in forward passes of b rows
      const scores = await ctx.score(candidates, this.params.score, { forwardBatchSize: ctx.batchSize });
      this.tau = emaUpdate(this.tau, varianceReductionTau(scores));
      const draw = importanceDraw(ctx.rng, scores, trained);
      this.activeSteps++;
      this.scoredSum += scored;
      this.trainedSum += trained;
      return { indices: pick(candidates, draw.positions), weights: draw.weights, active: true };
    }
    return { indices: ctx.rng.uniformIndices(ctx.n, ctx.batchSize), weights: null, active: false };
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    if (plan.active) return; // tau was updated from the presample scores
    this.tau = emaUpdate(this.tau, varianceReductionTau(this.params.score === 'loss' ? scores.loss : scores.gnorm));
  }

  diagnostics() {
    const mean = (sum: number) => (this.activeSteps > 0 ? sum / this.activeSteps : NaN);
    return {
      tau: this.tau,
      tau_th: this.params.tau_th,
      scored_per_step: mean(this.scoredSum),
      trained_per_step: mean(this.trainedSum),
    };
  }

  state() {
    return { tau: this.tau };
  }

  restore(state: unknown): void {
    this.tau = (state as { tau: number }).tau;
  }
}

export const constantTimeStrategy: StrategyDefinition<ConstantTimeParams> = {
  name: 'constant-time',
  description:
    'importance sampling at the cost of a uniform step (ConstantTimeImportanceTraining): scores B\' and trains a < b samples when tau > tau_th; unbiased',
  unbiased: true,
  params: ConstantTimeParams,
  diagnostics: ['tau_th', 'scored_per_step', 'trained_per_step'],
  create: (params) => new ConstantTimeSampler(params),
  // the rule keeps every step at a uniform step's 3b forward-equivalents
  costModel: () => 1,
};
