import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { annealedSelectionPressure, rankSelectionProbabilities, ranksDescending } from './rank-probabilities';

export const OnlineBatchSelectionParams = z
  .object({
    /** Selection pressure at the first epoch: the top-ranked sample is ~s_e0 times as likely as the last. */
    s_e0: z.number().min(1).default(100),
    /** Selection pressure at the last epoch (annealed geometrically in between). */
    s_eend: z.number().min(1).default(100),
    /** Recompute every sample's loss with a scoring pass every this many epochs (0: never). */
    recompute: z.number().int().min(0).default(2),
  })
  .strict();
export type OnlineBatchSelectionParams = z.infer<typeof OnlineBatchSelectionParams>;

/**
 * Loshchilov & Hutter (2015): rank all samples by their latest known loss, highest first, and
 * draw each batch with p_i proportional to exp(-ln(s_e) rank_i / N). Losses are refreshed by
 * the training steps and fully recomputed at the start of every `recompute`-th epoch (0, r,
 * 2r, ...); the ranking is rebuilt at each epoch start. No reweighting: biased.
 */
export class OnlineBatchSelectionSampler implements Strategy {
  /** Latest known loss per sample; NaN = never seen (ranks first). */
  private losses: Float64Array;
  private steps = 0;
  private batches: Int32Array = new Int32Array(0);
  private selectionPressure = 1;
  private probabilities: Float64Array = new Float64Array(0);
  private recomputed = false;

  constructor(
    private readonly params: OnlineBatchSelectionParams,
    setup: StrategySetup,
  ) {
    this.losses = new Float64Array(setup.n).fill(NaN);
  }

  async epochStart(ctx: StrategyContext): Promise<number> {
    const n = ctx.n;
    this.recomputed = this.params.recompute > 0 && ctx.epoch % this.params.recompute === 0;
    if (this.recomputed) {
      const all = Int32Array.from({ length: n }, (_, i) => i);
      this.losses = Float64Array.from(await ctx.score(all, 'loss'));
    }
    this.selectionPressure = annealedSelectionPressure(this.params.s_e0, this.params.s_eend, ctx.epoch, ctx.epochs);
    // ties (unseen samples, equal losses) in random order so no index is favoured
    const ranks = ranksDescending(this.losses, ctx.rng.permutation(n));
    const p = rankSelectionProbabilities(ranks, this.selectionPressure);
    this.probabilities = p;
    this.steps = Math.floor(n / ctx.batchSize);
    // p is fixed for the epoch, so the whole epoch's draws can be made at once
    this.batches = ctx.rng.categorical(p, this.steps * ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const start = ctx.step * ctx.batchSize;
    return { indices: this.batches.slice(start, start + ctx.batchSize), weights: null, active: true };
  }

  /** This epoch's selection probabilities (for tests). */
  get currentProbabilities(): Float64Array {
    return this.probabilities;
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    for (let j = 0; j < plan.indices.length; j++) this.losses[plan.indices[j]] = scores.loss[j];
  }

  diagnostics() {
    return { s_e: this.selectionPressure, recomputed: this.recomputed ? 1 : 0 };
  }

  state() {
    return {
      losses: Array.from(this.losses, (v) => (Number.isNaN(v) ? null : v)),
      steps: this.steps,
      batches: Array.from(this.batches),
      s_e: this.selectionPressure,
    };
  }

  restore(state: unknown): void {
    const s = state as { losses: (number | null)[]; steps: number; batches: number[]; s_e: number };
    this.losses = Float64Array.from(s.losses, (v) => (v === null ? NaN : v));
    this.steps = s.steps;
    this.batches = Int32Array.from(s.batches);
    this.selectionPressure = s.s_e;
  }
}

export const onlineBatchSelectionStrategy: StrategyDefinition<OnlineBatchSelectionParams> = {
  name: 'online-batch-selection',
  description:
    'online batch selection (Loshchilov & Hutter 2015): p decays exponentially with the loss rank, pressure s_e annealed; biased',
  unbiased: false,
  params: OnlineBatchSelectionParams,
  diagnostics: ['s_e', 'recomputed'],
  create: (params, setup) => new OnlineBatchSelectionSampler(params, setup),
};
