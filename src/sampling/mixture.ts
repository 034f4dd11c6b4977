/**
 * p_i = (1 - epsilon) * s_i / sum(s) + epsilon / N: proportional to the scores, mixed with
 * uniform so every sample keeps p_i >= epsilon / N (bounded weights). Uniform if sum(s) = 0.
 */
export function mixWithUniform(scores: ArrayLike<number>, epsilon: number): Float64Array {
  const n = scores.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += scores[i];
  const p = new Float64Array(n);
  if (!(total > 0) || !Number.isFinite(total)) return p.fill(1 / n);
  for (let i = 0; i < n; i++) p[i] = ((1 - epsilon) * scores[i]) / total + epsilon / n;
  return p;
}
