import type { Rng } from '../rng';
import { biasedWeights } from './reweighting';
import { unbiasedWeights } from './variance-reduction';

export interface ImportanceDraw {
  /** Positions into the scored candidates, drawn with replacement. */
  positions: Int32Array;
  weights: Float32Array;
}

/**
 * Draws `count` positions with p_i = s_i / sum(s) and gives them the reference's weights
 * (k = 1: 1 / (B p_i); otherwise the w^k rescaled policy). All-zero scores mean "no
 * information": the draw is uniform over the candidates with weight 1 (p = 1/B, still unbiased).
 */
export function importanceDraw(rng: Rng, scores: ArrayLike<number>, count: number, k = 1): ImportanceDraw {
  let total = 0;
  for (let i = 0; i < scores.length; i++) total += scores[i];
  if (!(total > 0) || !Number.isFinite(total)) {
    return { positions: rng.uniformIndices(scores.length, count), weights: new Float32Array(count).fill(1) };
  }
  const positions = rng.categorical(scores, count);
  const weights = k === 1 ? unbiasedWeights(scores, positions) : biasedWeights(scores, positions, k);
  return { positions, weights };
}

/** candidates[positions[j]] for every j. */
export function pick(candidates: Int32Array, positions: Int32Array): Int32Array {
  return Int32Array.from(positions, (p) => candidates[p]);
}
