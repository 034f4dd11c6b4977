import { z } from 'zod';
import { UserError } from '../errors';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { requireAboveBatchSize } from './param-checks';
import { topK } from './top-k';

export const RhoLossParams = z
  .object({
    /** Fraction of the training set held out to train the irreducible-loss model (never trained on by the arm). */
    holdout: z.number().gt(0).lt(1).default(0.5),
    /** Epochs the irreducible-loss model is trained for; the epoch with the lowest validation loss is kept. */
    irreducible_epochs: z.number().int().positive().default(10),
    /** b / B: each step forwards B = b / selection_ratio candidates and trains on the top b. */
    selection_ratio: z.number().gt(0).lt(1).default(0.1),
    /** How the selection pass runs the model: 'training' (dropout on, the original's default) or 'inference'. */
    selection_mode: z.enum(['training', 'inference']).default('training'),
  })
  .strict();
export type RhoLossParams = z.infer<typeof RhoLossParams>;

/** Number of held-out samples: round(holdout * n), at least 1. */
export function holdoutSize(n: number, holdout: number): number {
  return Math.max(1, Math.round(holdout * n));
}

/**
 * RHO-LOSS (Mindermann et al. 2022, OATML/RHO-Loss): before the first epoch, a fresh model
 * is trained on a random held-out part of the training set, in batches of B, keeping the epoch
 * with the lowest validation loss; its per-sample losses on the rest (the pool) are cached as
 * irreducible losses. An epoch is one shuffled pass over the pool in batches of B candidates
 * (the last one partial): each is forwarded without a gradient and the b with the largest loss -
 * irreducible loss are trained, unweighted (biased); a partial batch of m trains
 * max(1, floor(m * selection_ratio)).
 */
export class RhoLossSampler implements Strategy {
  private holdout: Int32Array | null = null;
  private pool: Int32Array = new Int32Array(0);
  /** Irreducible loss per training sample (NaN for held-out ones). */
  private irreducible: Float64Array;
  private order: Int32Array = new Int32Array(0);
  private steps = 0;
  private readonly presample: number;
  private bestEpoch = NaN;
  private bestValidationLoss = NaN;
  private selectedSum = 0;
  private selectedCount = 0;

  constructor(
    private readonly params: RhoLossParams,
    setup: StrategySetup,
  ) {
    const b = setup.batchSize;
    this.presample = Math.floor(b / params.selection_ratio);
    // candidates are a permutation of the pool in chunks: a chunk larger than the pool is one partial step
    requireAboveBatchSize('rho-loss', 'selection_ratio', this.presample, b);
    const poolSize = setup.n - holdoutSize(setup.n, params.holdout);
    if (poolSize <= b) {
      throw new UserError(
        `strategy rho-loss: holdout ${params.holdout} leaves ${poolSize} training samples, which must be more than the batch size (${b}); lower holdout`,
      );
    }
    this.irreducible = new Float64Array(setup.n).fill(NaN);
  }

  /** How many of m candidates are trained: b of a full batch, the original's int(m * ratio) (at least 1) of a partial one. */
  trainedOf(m: number, b: number): number {
    return m >= this.presample ? b : Math.max(1, Math.floor(m * this.params.selection_ratio));
  }

  async epochStart(ctx: StrategyContext): Promise<number> {
    if (this.holdout === null) await this.trainIrreducibleModel(ctx);
    const perm = ctx.rng.permutation(this.pool.length);
    this.order = Int32Array.from(perm, (p) => this.pool[p]);
    this.steps = Math.ceil(this.pool.length / this.presample);
    this.selectedSum = 0;
    this.selectedCount = 0;
    return this.steps;
  }

  private async trainIrreducibleModel(ctx: StrategyContext): Promise<void> {
    const perm = ctx.rng.permutation(ctx.n);
    const h = holdoutSize(ctx.n, this.params.holdout);
    const holdout = perm.slice(0, h).sort();
    this.pool = perm.slice(h).sort();
    // the loop owns the model and disposes it at the end of this epoch: use it only here
    const model = await ctx.trainAuxiliary(holdout, this.params.irreducible_epochs, {
      batchSize: this.presample,
      keepBestValidation: true,
    });
    const losses = await model.losses(this.pool);
    this.pool.forEach((i, j) => (this.irreducible[i] = losses[j]));
    this.bestEpoch = model.bestEpoch ?? NaN;
    this.bestValidationLoss = model.bestValidationLoss ?? NaN;
    this.holdout = holdout;
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    if (ctx.step >= this.steps) return null;
    const start = ctx.step * this.presample;
    const candidates = this.order.slice(start, start + this.presample);
    const losses = await ctx.score(candidates, 'loss', { mode: this.params.selection_mode });
    const reducible = Float64Array.from(candidates, (i, j) => losses[j] - this.irreducible[i]);
    const chosen = topK(reducible, this.trainedOf(candidates.length, ctx.batchSize));
    for (const c of chosen) this.selectedSum += reducible[c];
    this.selectedCount += chosen.length;
    return { indices: Int32Array.from(chosen, (c) => candidates[c]), weights: null, active: true };
  }

  observe(): void {}

  diagnostics() {
    let sum = 0;
    for (const i of this.pool) sum += this.irreducible[i];
    return {
      holdout_size: this.holdout?.length ?? 0,
      irreducible_loss_mean: this.pool.length > 0 ? sum / this.pool.length : NaN,
      irreducible_best_epoch: this.bestEpoch,
      irreducible_val_loss: this.bestValidationLoss,
      selected_reducible_loss: this.selectedCount > 0 ? this.selectedSum / this.selectedCount : NaN,
    };
  }

  /** The held-out samples (null before the first epoch), for tests and the summary. */
  get heldOut(): Int32Array | null {
    return this.holdout;
  }

  state() {
    return {
      holdout: this.holdout ? Array.from(this.holdout) : null,
      pool: Array.from(this.pool),
      irreducible: Array.from(this.irreducible, (v) => (Number.isNaN(v) ? null : v)),
      bestEpoch: Number.isNaN(this.bestEpoch) ? null : this.bestEpoch,
      bestValidationLoss: Number.isNaN(this.bestValidationLoss) ? null : this.bestValidationLoss,
    };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<RhoLossSampler['state']>;
    this.holdout = s.holdout ? Int32Array.from(s.holdout) : null;
    this.pool = Int32Array.from(s.pool);
    this.irreducible = Float64Array.from(s.irreducible, (v) => (v === null ? NaN : v));
    this.bestEpoch = s.bestEpoch ?? NaN;
    this.bestValidationLoss = s.bestValidationLoss ?? NaN;
  }
}

export const rhoLossStrategy: StrategyDefinition<RhoLossParams> = {
  name: 'rho-loss',
  description:
    'RHO-LOSS (Mindermann et al. 2022): train on the top b of b/0.1 candidates by loss minus a held-out model\'s irreducible loss; biased',
  unbiased: false,
  params: RhoLossParams,
  diagnostics: ['holdout_size', 'irreducible_loss_mean', 'irreducible_best_epoch', 'irreducible_val_loss', 'selected_reducible_loss'],
  create: (params, setup) => new RhoLossSampler(params, setup),
};
