import { z } from 'zod';
import type { BatchPlan, SampleScores, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { RingBuffer } from './percentile';

export const SelectiveBackpropParams = z
  .object({
    /** Selection probability = max(sampling_min, percentile ^ beta). */
    beta: z.number().min(0).default(3),
    sampling_min: z.number().min(0).max(1).default(0),
    /** How many recent forward losses the percentile is taken over. */
    history: z.number().int().positive().default(1024),
    /** Epochs of ordinary training on every sample before selection starts. */
    warmup_epochs: z.number().int().min(0).default(1),
    /**
     * Reuse a sample's last loss instead of a new forward pass until this many epochs have passed
     * since its last forward (the original's "stale" forward selector; 0 or 1: always forward).
     */
    staleness: z.number().int().min(0).default(0),
  })
  .strict();
export type SelectiveBackpropParams = z.infer<typeof SelectiveBackpropParams>;

/** A loader batch's sample waiting for its forward pass, and whether it needs one. */
interface Queued {
  index: number;
  forward: boolean;
}

/**
 * Selective backprop (Jiang et al. 2019; lib/trainer.py, lib/calculators.py, lib/hist.py of their
 * code). The first warmup_epochs train every sample (shuffled batches of b, the last partial).
 * Afterwards each epoch cuts a shuffled pass into loader batches of b; their samples are forwarded
 * without a gradient in forward batches of b (with staleness, b of those that need a forward, or
 * every queued one past 4b or at the epoch's end). All losses of a forward batch enter the history
 * first; then each is kept with probability max(sampling_min, P^beta), P = the fraction of the last
 * `history` losses strictly below it. Kept samples queue for backprop; after each loader batch, b
 * of them train (unweighted: biased) once b are queued, and the epoch's last loader batch trains
 * what is queued if that is fewer than b. A larger remainder waits for the next epoch.
 */
export class SelectiveBackpropSampler implements Strategy {
  private history: RingBuffer;
  /** Latest known loss per sample (forward or training step) and the epoch of its last forward (-1: none). */
  private lastLoss: Float64Array;
  private forwardEpoch: Int32Array;
  /** Kept samples waiting for backprop: a remainder of b or more carries over to the next epoch. */
  private pending: number[] = [];
  private forwardQueue: Queued[] = [];
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private done = false;
  private warmup = true;
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
    this.forwardEpoch = new Int32Array(setup.n).fill(-1);
  }

  /** Appends a forward batch's losses to the history, then gives each its selection probability. */
  selectionProbabilities(losses: ArrayLike<number>): number[] {
    for (let j = 0; j < losses.length; j++) this.history.push(losses[j]);
    return Array.from(losses, (l) => Math.max(this.params.sampling_min, Math.pow(this.history.fractionBelow(l), this.params.beta)));
  }

  epochStart(ctx: StrategyContext): number {
    const b = ctx.batchSize;
    this.order = ctx.rng.permutation(ctx.n);
    this.cursor = 0;
    this.done = false;
    this.candidates = 0;
    this.selected = 0;
    this.reused = 0;
    this.warmup = ctx.epoch < this.params.warmup_epochs;
    if (this.warmup) return Math.ceil(ctx.n / b);
    // an estimate for the progress bar: E[U^beta] = 1 / (beta + 1) for a uniform percentile U
    const fraction = this.lastFraction ?? Math.max(this.params.sampling_min, 1 / (this.params.beta + 1));
    return Math.ceil((this.pending.length + ctx.n * fraction) / b);
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    const b = ctx.batchSize;
    while (!this.done && this.cursor < ctx.n) {
      const loaderBatch = this.order.slice(this.cursor, this.cursor + b);
      this.cursor += loaderBatch.length;
      const final = this.cursor >= ctx.n;
      if (this.warmup) this.pending.push(...loaderBatch);
      else await this.forwardAndSelect(loaderBatch, final, ctx);
      if (final) this.done = true;
      const batch = this.takeBackpropBatch(final, b);
      if (batch) return { indices: Int32Array.from(batch), weights: null, active: !this.warmup };
    }
    this.done = true;
    return null;
  }

  /** The original's get_batch: b once b are queued, or at the epoch's end whatever (fewer) is queued. */
  private takeBackpropBatch(final: boolean, b: number): number[] | null {
    if (this.pending.length >= b) return this.pending.splice(0, b);
    if (final && this.pending.length > 0) return this.pending.splice(0);
    return null;
  }

  private async forwardAndSelect(loaderBatch: Int32Array, final: boolean, ctx: StrategyContext): Promise<void> {
    for (const i of loaderBatch) {
      const forward = this.needsForward(i, ctx.epoch);
      if (!forward) this.reused++;
      this.forwardQueue.push({ index: i, forward });
    }
    const batch = this.takeForwardBatch(final, ctx.batchSize);
    if (!batch) return;
    const toForward = batch.filter((q) => q.forward).map((q) => q.index);
    if (toForward.length > 0) {
      const losses = await ctx.score(Int32Array.from(toForward), 'loss');
      toForward.forEach((i, j) => {
        this.lastLoss[i] = losses[j];
        this.forwardEpoch[i] = ctx.epoch;
      });
    }
    const probabilities = this.selectionProbabilities(batch.map((q) => this.lastLoss[q.index]));
    batch.forEach((q, j) => {
      this.candidates++;
      if (ctx.rng.next() < probabilities[j]) {
        this.pending.push(q.index);
        this.selected++;
      }
    });
  }

  private needsForward(i: number, epoch: number): boolean {
    const s = this.params.staleness;
    return !(s > 0 && this.forwardEpoch[i] >= 0 && epoch - this.forwardEpoch[i] < s);
  }

  /** The original's get_forward_batch: up to the b-th sample that needs a forward, or all past 4b queued or at the end. */
  private takeForwardBatch(final: boolean, b: number): Queued[] | null {
    let needed = 0;
    for (let k = 0; k < this.forwardQueue.length; k++) {
      if (this.forwardQueue[k].forward) needed++;
      if (needed === b) return this.forwardQueue.splice(0, k + 1);
    }
    if (final || this.forwardQueue.length > 4 * b) return this.forwardQueue.splice(0);
    return null;
  }

  observe(plan: BatchPlan, scores: SampleScores, ctx: StrategyContext): void {
    for (let j = 0; j < plan.indices.length; j++) {
      const i = plan.indices[j];
      this.lastLoss[i] = scores.loss[j];
      // the original forwards every sample while priming, right before training it
      if (this.warmup) this.forwardEpoch[i] = ctx.epoch;
    }
  }

  epochEnd(): void {
    if (!this.warmup && this.candidates > 0) this.lastFraction = this.selected / this.candidates;
  }

  diagnostics() {
    return {
      selected_fraction: this.warmup ? 1 : this.candidates > 0 ? this.selected / this.candidates : NaN,
      reused_losses: this.reused,
      carried_over: this.pending.length,
    };
  }

  state() {
    return {
      history: this.history.state(),
      lastLoss: Array.from(this.lastLoss),
      forwardEpoch: Array.from(this.forwardEpoch),
      pending: [...this.pending],
      lastFraction: this.lastFraction,
    };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<SelectiveBackpropSampler['state']>;
    this.history = RingBuffer.fromState(s.history);
    this.lastLoss = Float64Array.from(s.lastLoss);
    this.forwardEpoch = Int32Array.from(s.forwardEpoch);
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
