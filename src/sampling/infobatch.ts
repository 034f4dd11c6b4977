import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';

export const InfoBatchParams = z
  .object({
    /** Probability of pruning a sample whose last loss is below the mean. */
    r: z.number().min(0).lt(1).default(0.5),
    /** Prune during the first delta of the epochs; train on the full data after (annealing). */
    delta: z.number().gt(0).max(1).default(0.875),
  })
  .strict();
export type InfoBatchParams = z.infer<typeof InfoBatchParams>;

/** Whether InfoBatch prunes in this 0-based epoch: epoch < delta * epochs. */
export function infoBatchPrunes(epoch: number, epochs: number, delta: number): boolean {
  return epoch < delta * epochs;
}

/**
 * InfoBatch (Qin et al., ICLR 2024): at each epoch start, every sample whose last training loss
 * is below the mean of the known losses is pruned with probability r; kept low-loss samples get
 * weight 1 / (1 - r), so the epoch's summed gradient keeps its expectation. Never-trained samples
 * count as high-loss (epoch 0 prunes nothing). From epoch ceil(delta * epochs) on, full data,
 * weight 1. The kept set is shuffled and every kept sample trained once: ceil(kept / b) steps.
 * The pruning draw uses the arm's seeded stream (not a seed made from the epoch index).
 */
export class InfoBatchSampler implements Strategy {
  private losses: Float64Array;
  private seen: Uint8Array;
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
    this.losses = new Float64Array(setup.n);
    this.seen = new Uint8Array(setup.n);
  }

  epochStart(ctx: StrategyContext): number {
    const n = ctx.n;
    const { r } = this.params;
    this.pruning = infoBatchPrunes(ctx.epoch, ctx.epochs, this.params.delta);
    let sum = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (this.seen[i]) {
        sum += this.losses[i];
        count++;
      }
    }
    this.threshold = count > 0 ? sum / count : NaN;
    const kept: number[] = [];
    const keptWeights: number[] = [];
    let lowLossCount = 0;
    for (let i = 0; i < n; i++) {
      const lowLoss = this.pruning && this.seen[i] === 1 && this.losses[i] < this.threshold;
      if (lowLoss) lowLossCount++;
      if (lowLoss && ctx.rng.next() < r) continue;
      kept.push(i);
      keptWeights.push(lowLoss ? 1 / (1 - r) : 1);
    }
    this.pruned = n - kept.length;
    // active (and weighted) only when some sample was exposed to pruning: not in epoch 0
    this.active = lowLossCount > 0;
    const perm = ctx.rng.permutation(kept.length);
    this.order = Int32Array.from(perm, (p) => kept[p]);
    this.weights = this.active ? Float32Array.from(perm, (p) => keptWeights[p]) : null;
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
    for (let j = 0; j < plan.indices.length; j++) {
      this.losses[plan.indices[j]] = scores.loss[j];
      this.seen[plan.indices[j]] = 1;
    }
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
    return { losses: Array.from(this.losses, (v, i) => (this.seen[i] ? v : null)) };
  }

  restore(state: unknown): void {
    const s = state as { losses: (number | null)[] };
    this.losses = Float64Array.from(s.losses, (v) => v ?? 0);
    this.seen = Uint8Array.from(s.losses, (v) => (v === null ? 0 : 1));
  }
}

export const infoBatchStrategy: StrategyDefinition<InfoBatchParams> = {
  name: 'infobatch',
  description:
    'InfoBatch (Qin et al. 2024): each epoch prune below-mean-loss samples with probability r, reweight the kept ones 1/(1-r), full data for the last epochs; unbiased per epoch',
  unbiased: true,
  params: InfoBatchParams,
  diagnostics: ['pruned', 'kept', 'pruning', 'loss_threshold'],
  create: (params, setup) => new InfoBatchSampler(params, setup),
};
