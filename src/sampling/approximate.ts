import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { importanceDraw, pick } from './importance-draw';
import { ALWAYS_ON_CANDIDATES_PER_SAMPLE, requireCandidates } from './param-checks';
import { SampleScoreTable } from './score-table';
import { makeSmoother, type ScoreSmoother } from './smoothing';

export const ApproximateParams = z
  .object({
    k: z.number().min(0).max(1).default(0.5),
    smooth: z.number().min(0).default(0),
    adaptive_smoothing: z.boolean().default(false),
    /** Candidates whose scores are predicted per step (absolute count, larger than the batch). */
    presample: z.number().int().positive().default(2048),
    /** Which training-step score is predicted. */
    score: z.enum(['gnorm', 'loss']).default('gnorm'),
    /** The predictor: a per-sample exponential moving average of observed scores. */
    predictor: z.enum(['ema']).default('ema'),
    /** EMA momentum: prediction = momentum * prediction + (1 - momentum) * observed. */
    momentum: z.number().min(0).lt(1).default(0.5),
  })
  .strict();
export type ApproximateParams = z.infer<typeof ApproximateParams>;

/**
 * The reference's ApproximateImportanceTraining with a simpler predictor: each sample's score
 * is predicted by the EMA of the scores its training steps reported (unseen samples at the
 * mean of the seen ones), so no scoring pass is needed; drawing and w^k weights as `biased`.
 */
export class ApproximateSampler implements Strategy {
  private readonly smoother: ScoreSmoother;
  private readonly predictions: SampleScoreTable;
  private steps = 0;
  private scoreSum = 0;
  private scoreCount = 0;

  constructor(
    private readonly params: ApproximateParams,
    setup: StrategySetup,
  ) {
    requireCandidates('approximate', 'presample', params.presample, setup, ALWAYS_ON_CANDIDATES_PER_SAMPLE);
    this.smoother = makeSmoother(params.smooth, params.adaptive_smoothing);
    this.predictions = new SampleScoreTable(setup.n);
  }

  epochStart(ctx: StrategyContext): number {
    this.steps = Math.floor(ctx.n / ctx.batchSize);
    this.scoreSum = 0;
    this.scoreCount = 0;
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const candidates = ctx.rng.uniformIndices(ctx.n, this.params.presample);
    const predicted = Float32Array.from(candidates, (i) => this.predictions.get(i));
    for (const s of predicted) this.scoreSum += s;
    this.scoreCount += predicted.length;
    const draw = importanceDraw(ctx.rng, this.smoother.apply(predicted), ctx.batchSize, this.params.k);
    return { indices: pick(candidates, draw.positions), weights: draw.weights, active: true };
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    const observed = this.params.score === 'loss' ? scores.loss : scores.gnorm;
    for (let j = 0; j < plan.indices.length; j++) {
      this.predictions.updateEma(plan.indices[j], observed[j], this.params.momentum);
    }
  }

  /** The current prediction for sample i (for tests and diagnostics). */
  predict(i: number): number {
    return this.predictions.get(i);
  }

  diagnostics() {
    return {
      score_mean: this.scoreCount > 0 ? this.scoreSum / this.scoreCount : NaN,
      smoothing: this.smoother.offset,
      seen_fraction: this.predictions.seenFraction,
    };
  }

  state() {
    return { smoother: this.smoother.state(), predictions: this.predictions.state() };
  }

  restore(state: unknown): void {
    const s = state as { smoother: { mu: number }; predictions: (number | null)[] };
    this.smoother.restore(s.smoother);
    this.predictions.restore(s.predictions);
  }
}

export const approximateStrategy: StrategyDefinition<ApproximateParams> = {
  name: 'approximate',
  description:
    'approximate importance sampling: scores predicted by a per-sample EMA of past training scores (no scoring pass), weights w^k; biased unless k = 1',
  unbiased: false,
  params: ApproximateParams,
  diagnostics: ['score_mean', 'smoothing', 'seen_fraction'],
  create: (params, setup) => new ApproximateSampler(params, setup),
};
