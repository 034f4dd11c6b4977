/**
 * The reference's BiasedReweightingPolicy: for positions `chosen` drawn from presampled scores s
 * with p = s / sum(s), w_i = mean(s) / s_i (= 1 / (B p_i), unbiased), then w^k rescaled over the
 * batch so that sum(w^k s) = sum(w s). k = 1 is unbiased, k = 0 unweighted (up to the rescale).
 */
export function biasedWeights(scores: ArrayLike<number>, chosen: ArrayLike<number>, k: number): Float32Array {
  let total = 0;
  for (let i = 0; i < scores.length; i++) total += scores[i];
  const mean = total / scores.length;
  const w = new Float64Array(chosen.length);
  const wk = new Float64Array(chosen.length);
  let dotW = 0;
  let dotWk = 0;
  for (let j = 0; j < chosen.length; j++) {
    const s = scores[chosen[j]];
    w[j] = mean / s;
    wk[j] = Math.pow(w[j], k);
    dotW += w[j] * s;
    dotWk += wk[j] * s;
  }
  const rescale = dotWk > 0 ? dotW / dotWk : 1;
  return Float32Array.from(wk, (v) => v * rescale);
}
