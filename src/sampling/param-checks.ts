import { UserError } from '../errors';

/** The candidates of a step must be more than the batch, else there is nothing to select. */
export function requireAboveBatchSize(strategy: string, field: string, candidates: number, batchSize: number): void {
  if (!(candidates > batchSize)) {
    throw new UserError(
      `strategy ${strategy}: ${field} gives ${candidates} candidates per step, which must be more than the batch size (${batchSize}); raise ${field} or lower batchSize`,
    );
  }
}

/**
 * Checks that need the batch size and the training set's size, which a strategy's params schema
 * cannot see, for strategies that draw their candidates with replacement: more than the batch,
 * and at most `perSample` times the training set. The error names the strategy, the field, the
 * limit and the fix.
 */
export function requireCandidates(strategy: string, field: string, candidates: number, setup: { batchSize: number; n: number }, perSample: number): void {
  requireAboveBatchSize(strategy, field, candidates, setup.batchSize);
  const limit = perSample * setup.n;
  if (candidates > limit) {
    const of = perSample === 1 ? `the ${setup.n} training samples` : `${perSample} times the ${setup.n} training samples`;
    throw new UserError(`strategy ${strategy}: ${field} gives ${candidates} candidates per step, more than ${of}; at most ${limit} can be meant: lower ${field} (or use more training data)`);
  }
}

/**
 * upper-bound: more candidates than samples raises its default switch-on threshold (B + 3b) / 3b
 * past what tau reaches, so the arm would stay uniform under an importance name.
 */
export const GATED_CANDIDATES_PER_SAMPLE = 1;
/**
 * Always-on strategies (biased, approximate) do what a presample above N says (draws with
 * replacement), at its cost; a hundred times the training set per step is no longer a choice.
 */
export const ALWAYS_ON_CANDIDATES_PER_SAMPLE = 100;
