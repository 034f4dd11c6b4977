/** Effective sample size of a weighted batch: (sum w)^2 / sum w^2 (b for equal weights). */
export function effectiveSampleSize(weights: ArrayLike<number>): number {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < weights.length; i++) {
    sum += weights[i];
    sq += weights[i] * weights[i];
  }
  return sq > 0 ? (sum * sum) / sq : 0;
}
