import type { BatchPlan, StrategyContext } from '../spec';

/**
 * Step `ctx.step` of an epoch that visits `order` in consecutive batches of b (the last one
 * partial), unweighted: uniform's pass over a permutation, RS2's pass over its subset.
 */
export function consecutiveBatch(order: Int32Array, steps: number, ctx: StrategyContext): BatchPlan | null {
  if (ctx.step >= steps) return null;
  const start = ctx.step * ctx.batchSize;
  return { indices: order.slice(start, start + ctx.batchSize), weights: null, active: false };
}
