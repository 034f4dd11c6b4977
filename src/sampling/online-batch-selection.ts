import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { annealedSelectionPressure, rankSelectionProbabilities, ranksDescending } from './rank-probabilities';

export const OnlineBatchSelectionParams = z
  .object({
    /** Selection pressure s_e at the start: the top-ranked sample is ~s_e times as likely as the last. */
    s_e0: z.number().min(1).default(100),
    /** Selection pressure at the last epoch (annealed geometrically in between). */
    s_eend: z.number().min(1).default(100),
    /** Recompute every sample's loss with a scoring pass after 1-based epochs r - 1, 2r - 1, ... (0: never). */
    recompute: z.number().int().min(0).default(2),
  })
  .strict();
export type OnlineBatchSelectionParams = z.infer<typeof OnlineBatchSelectionParams>;

/** The reference's raw score of a sample no training step or recompute has scored yet. */
const INITIAL_SCORE = 1;

/**
 * Whether the full recompute runs at the end of this 0-based epoch: the reference counts
 * epochs from 1 and adds one more (`1 + batches // steps_per_epoch`), so with r = 2 it runs after
 * 1-based epochs 1, 3, 5, ... No pass after the last epoch, whose ranking nothing would use.
 */
export function recomputesAfter(epoch: number, epochs: number, recompute: number): boolean {
  return recompute > 0 && epoch + 1 < epochs && (epoch + 2) % recompute === 0;
}

/**
 * The reference library's OnlineBatchSelectionSampler (Loshchilov & Hutter 2015). Every sample
 * has a raw score, 1 at first, then the loss its latest training step (or recompute pass)
 * reported. The first epoch draws uniformly (all scores equal, no scoring pass). At each later
 * epoch the samples are ranked by raw score, highest first, and every batch is drawn with
 * replacement with p_i proportional to exp(-ln(s_e) rank_i / N), s_e = s_e0 (s_eend /
 * s_e0)^((epoch + 1) / epochs) for the 0-based epoch. No reweighting: biased. N // b steps.
 */
export class OnlineBatchSelectionSampler implements Strategy {
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
    this.losses = new Float64Array(setup.n).fill(INITIAL_SCORE);
  }

  epochStart(ctx: StrategyContext): number {
    const n = ctx.n;
    this.recomputed = false;
    if (ctx.epoch === 0) {
      this.selectionPressure = 1;
      this.probabilities = new Float64Array(n).fill(1 / n);
    } else {
      this.selectionPressure = annealedSelectionPressure(this.params.s_e0, this.params.s_eend, ctx.epoch, ctx.epochs);
      // ties in random order so no index is favoured
      const ranks = ranksDescending(this.losses, ctx.rng.permutation(n));
      this.probabilities = rankSelectionProbabilities(ranks, this.selectionPressure);
    }
    this.steps = Math.floor(n / ctx.batchSize);
    // p is fixed for the epoch, so the whole epoch's draws can be made at once
    this.batches = ctx.rng.categorical(this.probabilities, this.steps * ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const start = ctx.step * ctx.batchSize;
    // the first epoch is uniform sampling, the rest rank-based selection
    return { indices: this.batches.slice(start, start + ctx.batchSize), weights: null, active: ctx.epoch > 0 };
  }

  /** This epoch's selection probabilities (for tests). */
  get currentProbabilities(): Float64Array {
    return this.probabilities;
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    for (let j = 0; j < plan.indices.length; j++) this.losses[plan.indices[j]] = scores.loss[j];
  }

  async epochEnd(ctx: StrategyContext): Promise<void> {
    if (!recomputesAfter(ctx.epoch, ctx.epochs, this.params.recompute)) return;
    const all = Int32Array.from({ length: ctx.n }, (_, i) => i);
    this.losses = Float64Array.from(await ctx.score(all, 'loss'));
    this.recomputed = true;
  }

  diagnostics() {
    return { s_e: this.selectionPressure, recomputed: this.recomputed ? 1 : 0 };
  }

  state() {
    return { losses: Array.from(this.losses) };
  }

  restore(state: unknown): void {
    this.losses = Float64Array.from((state as { losses: number[] }).losses);
  }
}

export const onlineBatchSelectionStrategy: StrategyDefinition<OnlineBatchSelectionParams> = {
  name: 'online-batch-selection',
  description:
    'online batch selection (Loshchilov & Hutter 2015): uniform first epoch, then p decays exponentially with the loss rank, pressure s_e annealed; biased',
  unbiased: false,
  params: OnlineBatchSelectionParams,
  diagnostics: ['s_e', 'recomputed'],
  create: (params, setup) => new OnlineBatchSelectionSampler(params, setup),
};
