import { UserError } from '../errors';

/**
 * Checks that need the batch size, which a strategy's params schema cannot see: the error
 * names the strategy, the field and the fix.
 */
export function requireAboveBatchSize(strategy: string, field: string, candidates: number, batchSize: number): void {
  if (!(candidates > batchSize)) {
    throw new UserError(
      `strategy ${strategy}: ${field} gives ${candidates} candidates per step, which must be more than the batch size (${batchSize}); raise ${field} or lower batchSize`,
    );
  }
}
