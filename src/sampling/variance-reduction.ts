/**
 * The reference library's estimate of how much importance sampling with probabilities
 * proportional to `scores` reduces the gradient variance against uniform sampling:
 * g = s / sum(s), u = 1/n, tau = 1 / sqrt(1 - sum((g - u)^2) / sum(g^2)); 1 when sum(s) = 0.
 */
export function varianceReductionTau(scores: ArrayLike<number>): number {
  const n = scores.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += scores[i];
  if (!(sum > 0)) return 1;
  const u = 1 / n;
  let sqDiff = 0;
  let sqG = 0;
  for (let i = 0; i < n; i++) {
    const g = scores[i] / sum;
    sqDiff += (g - u) * (g - u);
    sqG += g * g;
  }
  const ratio = 1 - sqDiff / sqG;
  // ratio = n * u^2 / sum(g^2) > 0 mathematically; guard rounding
  return 1 / Math.sqrt(Math.max(ratio, 1e-12));
}

/** Exponential moving average with the reference's momentum: 0.9 * old + 0.1 * new. */
export function emaUpdate(old: number, value: number, momentum = 0.9): number {
  return momentum * old + (1 - momentum) * value;
}

/** Unbiased importance weights w_i = 1 / (B p_i) for the chosen positions, p = s / sum(s). */
export function unbiasedWeights(scores: ArrayLike<number>, chosen: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += scores[i];
  const B = scores.length;
  const w = new Float32Array(chosen.length);
  for (let j = 0; j < chosen.length; j++) {
    const p = scores[chosen[j]] / sum;
    w[j] = 1 / (B * p);
  }
  return w;
}
