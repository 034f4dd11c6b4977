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
 * and at most the training set (scoring more candidates than there are samples, every
 * step, costs more than scoring every sample once and selects from duplicates: it cannot be
 * meant). The error names the strategy, the field, the limit and the fix.
 */
export function requireCandidates(strategy: string, field: string, candidates: number, setup: { batchSize: number; n: number }): void {
  requireAboveBatchSize(strategy, field, candidates, setup.batchSize);
  const { n } = setup;
  if (candidates > n) {
    throw new UserError(
      `strategy ${strategy}: ${field} gives ${candidates} candidates per step, more than the ${n} training samples; at most ${n} candidates can be meant: lower ${field} (or use more training data)`,
    );
  }
}
