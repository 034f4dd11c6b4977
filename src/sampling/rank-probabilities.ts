/**
 * Online batch selection's rank-based distribution (Loshchilov & Hutter 2015): samples ranked
 * by score, highest first (rank 0), get p_i proportional to exp(-ln(s_e) * rank_i / N), so the
 * top sample is about s_e times as likely as the bottom one.
 */

/**
 * Rank of every sample by score, highest first. Unknown scores (NaN) rank above every known
 * one. Ties keep the order of `tieOrder` (a permutation of [0, n)), or index order without it.
 */
export function ranksDescending(scores: ArrayLike<number>, tieOrder?: ArrayLike<number>): Int32Array {
  const n = scores.length;
  const key = (i: number) => (Number.isNaN(scores[i]) ? Infinity : scores[i]);
  const position = new Int32Array(n);
  for (let j = 0; j < n; j++) position[tieOrder ? tieOrder[j] : j] = j;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => key(b) - key(a) || position[a] - position[b]);
  const ranks = new Int32Array(n);
  for (let r = 0; r < n; r++) ranks[order[r]] = r;
  return ranks;
}

/** p_i = exp(-ln(s_e) rank_i / N) / Z; s_e = 1 is uniform. */
export function rankSelectionProbabilities(ranks: ArrayLike<number>, selectionPressure: number): Float64Array {
  const n = ranks.length;
  const decay = Math.log(selectionPressure) / n;
  const p = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    p[i] = Math.exp(-decay * ranks[i]);
    z += p[i];
  }
  for (let i = 0; i < n; i++) p[i] /= z;
  return p;
}

/**
 * s_e for a 0-based epoch, annealed geometrically towards s_eend: s_e0 (s_eend / s_e0)^((epoch + 1)
 * / epochs), the reference's `s_e0 * exp(log(s_eend / s_e0) / n_epochs) ** (1 + epochs done)`, so
 * the last epoch runs at s_eend.
 */
export function annealedSelectionPressure(start: number, end: number, epoch: number, epochs: number): number {
  const t = Math.min(1, Math.max(0, (epoch + 1) / epochs));
  return start * Math.pow(end / start, t);
}
