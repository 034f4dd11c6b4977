import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { RingBuffer } from './percentile';

export const SelectiveBackpropParams = z
  .object({
    /** Selection probability = max(sampling_min, percentile ^ beta). */
    beta: z.number().min(0).default(3),
    sampling_min: z.number().min(0).max(1).default(0),
    /** How many recent candidate losses the percentile is taken over. */
    history: z.number().int().positive().default(1024),
    /** Epochs of ordinary uniform training before selection starts. */
    warmup_epochs: z.number().int().min(0).default(1),
    /** Reuse a sample's loss for up to this many epochs instead of a new forward (0: always forward). */
    staleness: z.number().int().min(0).default(0),
  })
  .strict();
export type SelectiveBackpropParams = z.infer<typeof SelectiveBackpropParams>;

/**
 * Selective backprop (Jiang et al. 2019): every sample is a candidate once per epoch (shuffled,
 * forwarded in chunks of b); a candidate with loss l is kept with probability
 * max(sampling_min, P(l)^beta), P(l) = fraction of the last `history` candidate losses <= l
 * (l included). Kept candidates are buffered and trained in batches of b, unweighted (biased);
 * a part-filled buffer carries over to the next epoch. The first warmup_epochs are uniform.
 */
export class SelectiveBackpropSampler implements Strategy {
  private history: RingBuffer;
  /** Latest known loss per sample and the epoch it is from (-1: none). */
  private lastLoss: Float64Array;
  private lossEpoch: Int32Array;
  private pending: number[] = [];
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private warmup = true;
  private warmupSteps = 0;
  private candidates = 0;
  private selected = 0;
  private reused = 0;
  private lastFraction: number | null = null;

  constructor(
    private readonly params: SelectiveBackpropParams,
    setup: StrategySetup,
  ) {
    this.history = new RingBuffer(params.history);
    this.lastLoss = new Float64Array(setup.n);
    this.lossEpoch = new Int32Array(setup.n).fill(-1);
  }

  /** Probability of keeping a candidate with this loss; pushes it into the history first. */
  selectionProbability(loss: number): number {
    this.history.push(loss);
    const pct = this.history.percentileOf(loss);
    return Math.max(this.params.sampling_min, Math.pow(pct, this.params.beta));
  }

  epochStart(ctx: StrategyContext): number {
    const b = ctx.batchSize;
    this.order = ctx.rng.permutation(ctx.n);
    this.cursor = 0;
    this.candidates = 0;
    this.selected = 0;
    this.reused = 0;
    this.warmup = ctx.epoch < this.params.warmup_epochs;
    if (this.warmup) {
      this.warmupSteps = Math.floor(ctx.n / b);
      return this.warmupSteps;
    }
    // an estimate for the progress bar: E[U^beta] = 1 / (beta + 1) for a uniform percentile U
    const fraction = this.lastFraction ?? Math.max(this.params.sampling_min, 1 / (this.params.beta + 1));
    return Math.floor((this.pending.length + ctx.n * fraction) / b);
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    const b = ctx.batchSize;
    if (this.warmup) {
      if (ctx.step >= this.warmupSteps) return null;
      return { indices: this.order.slice(ctx.step * b, (ctx.step + 1) * b), weights: null, active: false };
    }
    while (this.pending.length < b && this.cursor < ctx.n) {
      const chunk = this.order.slice(this.cursor, this.cursor + b);
      this.cursor += chunk.length;
      await this.refreshLosses(chunk, ctx);
      for (const i of chunk) {
        this.candidates++;
        if (ctx.rng.next() < this.selectionProbability(this.lastLoss[i])) {
          this.pending.push(i);
          this.selected++;
        }
      }
    }
    if (this.pending.length < b) return null; // every sample was a candidate: the epoch is over
    return { indices: Int32Array.from(this.pending.splice(0, b)), weights: null, active: true };
  }

  /** Forward the candidates whose loss is missing or older than `staleness` epochs. */
  private async refreshLosses(chunk: Int32Array, ctx: StrategyContext): Promise<void> {
    const s = this.params.staleness;
    const stale = chunk.filter((i) => !(s > 0 && this.lossEpoch[i] >= 0 && ctx.epoch - this.lossEpoch[i] <= s));
    this.reused += chunk.length - stale.length;
    if (stale.length === 0) return;
    const losses = await ctx.score(stale, 'loss');
    stale.forEach((i, j) => this.remember(i, losses[j], ctx.epoch));
  }

  private remember(i: number, loss: number, epoch: number): void {
    this.lastLoss[i] = loss;
    this.lossEpoch[i] = epoch;
  }

  observe(plan: BatchPlan, scores: SampleScores, ctx: StrategyContext): void {
    for (let j = 0; j < plan.indices.length; j++) {
      this.remember(plan.indices[j], scores.loss[j], ctx.epoch);
      // warmup losses seed the percentile history; afterwards it holds candidate losses only
      if (this.warmup) this.history.push(scores.loss[j]);
    }
  }

  epochEnd(): void {
    if (!this.warmup && this.candidates > 0) this.lastFraction = this.selected / this.candidates;
  }

  diagnostics() {
    return {
      selected_fraction: this.warmup ? 1 : this.candidates > 0 ? this.selected / this.candidates : NaN,
      reused_losses: this.reused,
      carried_over: this.warmup ? 0 : this.pending.length,
    };
  }

  state() {
    return {
      history: this.history.state(),
      lastLoss: Array.from(this.lastLoss),
      lossEpoch: Array.from(this.lossEpoch),
      pending: [...this.pending],
      lastFraction: this.lastFraction,
    };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<SelectiveBackpropSampler['state']>;
    this.history = RingBuffer.fromState(s.history);
    this.lastLoss = Float64Array.from(s.lastLoss);
    this.lossEpoch = Int32Array.from(s.lossEpoch);
    this.pending = [...s.pending];
    this.lastFraction = s.lastFraction;
  }
}

export const selectiveBackpropStrategy: StrategyDefinition<SelectiveBackpropParams> = {
  name: 'selective-backprop',
  description:
    'selective backprop (Jiang et al. 2019): forward every sample, backprop it with probability percentile(loss)^beta; biased',
  unbiased: false,
  params: SelectiveBackpropParams,
  diagnostics: ['selected_fraction', 'reused_losses', 'carried_over'],
  create: (params, setup) => new SelectiveBackpropSampler(params, setup),
};
