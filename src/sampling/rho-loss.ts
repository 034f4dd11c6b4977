import { z } from 'zod';
import { UserError } from '../errors';
import type { BatchPlan, Strategy, StrategyContext, StrategyDefinition, StrategySetup } from '../spec';
import { requireAboveBatchSize } from './param-checks';
import { topK } from './top-k';

export const RhoLossParams = z
  .object({
    /** Fraction of the training set held out to train the irreducible-loss model (never trained on by the arm). */
    holdout: z.number().gt(0).lt(1).default(0.1),
    /** Epochs the irreducible-loss model is trained for on the held-out samples. */
    irreducible_epochs: z.number().int().positive().default(5),
    /** b / presample: each step forwards b / selection_ratio candidates and trains on the top b. */
    selection_ratio: z.number().gt(0).lt(1).default(0.1),
  })
  .strict();
export type RhoLossParams = z.infer<typeof RhoLossParams>;

/** Number of held-out samples: round(holdout * n), at least 1. */
export function holdoutSize(n: number, holdout: number): number {
  return Math.max(1, Math.round(holdout * n));
}

/**
 * RHO-LOSS (Mindermann et al. 2022): before the first epoch, a fresh model is trained on a
 * random held-out fraction of the training set and its per-sample losses on the rest (the pool)
 * are cached as irreducible losses. Each step forwards b / selection_ratio candidates from a
 * shuffled pass over the pool and trains on the b with the largest loss - irreducible loss,
 * unweighted (biased). An epoch is floor(pool / b) steps, like a uniform epoch on the pool.
 */
export class RhoLossSampler implements Strategy {
  private holdout: Int32Array | null = null;
  private pool: Int32Array = new Int32Array(0);
  /** Irreducible loss per training sample (NaN for held-out ones). */
  private irreducible: Float64Array;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private steps = 0;
  private readonly presample: number;
  private selectedSum = 0;
  private selectedCount = 0;

  constructor(
    private readonly params: RhoLossParams,
    setup: StrategySetup,
  ) {
    const b = setup.batchSize;
    this.presample = Math.floor(b / params.selection_ratio);
    requireAboveBatchSize('rho-loss', 'selection_ratio', this.presample, b);
    const poolSize = setup.n - holdoutSize(setup.n, params.holdout);
    if (poolSize <= b) {
      throw new UserError(
        `strategy rho-loss: holdout ${params.holdout} leaves ${poolSize} training samples, which must be more than the batch size (${b}); lower holdout`,
      );
    }
    this.irreducible = new Float64Array(setup.n).fill(NaN);
  }

  /** Candidates per step (capped at the pool size). */
  get candidatesPerStep(): number {
    return Math.min(this.presample, this.pool.length);
  }

  async epochStart(ctx: StrategyContext): Promise<number> {
    if (this.holdout === null) await this.trainIrreducibleModel(ctx);
    this.steps = Math.floor(this.pool.length / ctx.batchSize);
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
    const model = await ctx.trainAuxiliary(holdout, this.params.irreducible_epochs);
    const losses = await model.losses(this.pool);
    this.pool.forEach((i, j) => (this.irreducible[i] = losses[j]));
    this.holdout = holdout;
    this.order = new Int32Array(0);
    this.cursor = 0;
  }

  /** The next candidates from a shuffled pass over the pool, reshuffled when it runs out. */
  private nextCandidates(ctx: StrategyContext): Int32Array {
    const count = this.candidatesPerStep;
    if (this.cursor + count > this.order.length) {
      const perm = ctx.rng.permutation(this.pool.length);
      this.order = Int32Array.from(perm, (p) => this.pool[p]);
      this.cursor = 0;
    }
    const out = this.order.slice(this.cursor, this.cursor + count);
    this.cursor += count;
    return out;
  }

  async nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> {
    if (ctx.step >= this.steps) return null;
    const candidates = this.nextCandidates(ctx);
    const losses = await ctx.score(candidates, 'loss');
    const reducible = Float64Array.from(candidates, (i, j) => losses[j] - this.irreducible[i]);
    const chosen = topK(reducible, ctx.batchSize);
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
      order: Array.from(this.order),
      cursor: this.cursor,
    };
  }

  restore(state: unknown): void {
    const s = state as ReturnType<RhoLossSampler['state']>;
    this.holdout = s.holdout ? Int32Array.from(s.holdout) : null;
    this.pool = Int32Array.from(s.pool);
    this.irreducible = Float64Array.from(s.irreducible, (v) => (v === null ? NaN : v));
    this.order = Int32Array.from(s.order);
    this.cursor = s.cursor;
  }
}

export const rhoLossStrategy: StrategyDefinition<RhoLossParams> = {
  name: 'rho-loss',
  description:
    'RHO-LOSS (Mindermann et al. 2022): train on the top b of b/0.1 candidates by loss minus a held-out model\'s irreducible loss; biased',
  unbiased: false,
  params: RhoLossParams,
  diagnostics: ['holdout_size', 'irreducible_loss_mean', 'selected_reducible_loss'],
  create: (params, setup) => new RhoLossSampler(params, setup),
};
