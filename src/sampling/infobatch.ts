import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';

export const InfoBatchParams = z
  .object({
    /** Prune ratio: of the samples whose last loss is below the mean, int((1 - r) * count) are kept. */
    r: z.number().min(0).max(0.9).default(0.5),
    /** Prune while epoch + 1 <= delta * epochs; train on the full data after (annealing). */
    delta: z.number().gt(0).max(1).default(0.875),
  })
  .strict();
export type InfoBatchParams = z.infer<typeof InfoBatchParams>;

/** The original's score of a sample before its first training step. */
const INITIAL_SCORE = 3;

/**
 * Whether InfoBatch prunes in this 0-based epoch. The original's sampler has counted epoch + 1
 * resets when the epoch starts and stops pruning once that count exceeds delta * epochs, so it
 * prunes while epoch + 1 <= delta * epochs: floor(delta * epochs) epochs.
 */
export function infoBatchPrunes(epoch: number, epochs: number, delta: number): boolean {
  return epoch + 1 <= epochs * delta;
}

/** How many of `count` below-mean samples are kept: int(keep_ratio * count), keep_ratio = 1 - r. */
export function infoBatchKept(count: number, r: number): number {
  return Math.floor((1 - r) * count);
}

/**
 * InfoBatch (Qin et al., ICLR 2024; NUS-HPC-AI-Lab/InfoBatch, infobatch/infobatch.py): every
 * sample's score is the loss of its last training step (3 before the first). At each pruning
 * epoch's start, of the samples scoring below the mean score, exactly int((1 - r) * count) drawn
 * without replacement are kept with weight 1 / (1 - r); the others are pruned; the rest of the data
 * is kept with weight 1. The kept set is shuffled and each kept sample trained once: ceil(kept / b)
 * steps. Epoch 0 prunes nothing (all scores equal). After the pruning epochs, the full data with
 * weight 1. The draws use the arm's seeded stream (the original reseeds numpy with the epoch index).
 */
export class InfoBatchSampler implements Strategy {
  private scores: Float64Array;
  private order: Int32Array = new Int32Array(0);
  private weights: Float32Array | null = null;
  private steps = 0;
  private pruned = 0;
  private pruning = false;
  private active = false;
  private threshold = NaN;

  constructor(
    private readonly params: InfoBatchParams,
    setup: StrategySetup,
  ) {
    this.scores = new Float64Array(setup.n).fill(INITIAL_SCORE);
  }

  epochStart(ctx: StrategyContext): number {
    const n = ctx.n;
    this.pruning = infoBatchPrunes(ctx.epoch, ctx.epochs, this.params.delta);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.scores[i];
    this.threshold = sum / n;
    const kept: number[] = [];
    const wellLearned: number[] = [];
    for (let i = 0; i < n; i++) {
      if (this.pruning && this.scores[i] < this.threshold) wellLearned.push(i);
      else kept.push(i);
    }
    const keepRatio = 1 - this.params.r;
    const draw = ctx.rng.permutation(wellLearned.length).subarray(0, infoBatchKept(wellLearned.length, this.params.r));
    const rescaled = new Set<number>();
    for (const p of draw) {
      kept.push(wellLearned[p]);
      rescaled.add(wellLearned[p]);
    }
    this.pruned = n - kept.length;
    // active (and weighted) only when some sample was exposed to pruning: not in epoch 0
    this.active = wellLearned.length > 0;
    const perm = ctx.rng.permutation(kept.length);
    this.order = Int32Array.from(perm, (p) => kept[p]);
    this.weights = this.active ? Float32Array.from(this.order, (i) => (rescaled.has(i) ? 1 / keepRatio : 1)) : null;
    this.steps = Math.ceil(kept.length / ctx.batchSize);
    return this.steps;
  }

  nextBatch(ctx: StrategyContext): BatchPlan | null {
    if (ctx.step >= this.steps) return null;
    const start = ctx.step * ctx.batchSize;
    const end = start + ctx.batchSize;
    return {
      indices: this.order.slice(start, end),
      weights: this.weights ? this.weights.slice(start, end) : null,
      active: this.active,
    };
  }

  observe(plan: BatchPlan, scores: SampleScores): void {
    for (let j = 0; j < plan.indices.length; j++) this.scores[plan.indices[j]] = scores.loss[j];
  }

  diagnostics() {
    return {
      pruned: this.pruned,
      kept: this.order.length,
      pruning: this.pruning ? 1 : 0,
      loss_threshold: this.threshold,
    };
  }

  state() {
    return { scores: Array.from(this.scores) };
  }

  restore(state: unknown): void {
    this.scores = Float64Array.from((state as { scores: number[] }).scores);
  }
}

export const infoBatchStrategy: StrategyDefinition<InfoBatchParams> = {
  name: 'infobatch',
  description:
    'InfoBatch (Qin et al. 2024): each epoch keep int((1-r) count) of the below-mean-loss samples, weighted 1/(1-r), full data for the last epochs; unbiased per epoch',
  unbiased: true,
  params: InfoBatchParams,
  diagnostics: ['pruned', 'kept', 'pruning', 'loss_threshold'],
  create: (params, setup) => new InfoBatchSampler(params, setup),
};
