/** Small statistics for sampler tests. */

/**
 * Upper critical value of the chi-square distribution with `dof` degrees of freedom at
 * significance `alpha` (Wilson-Hilferty approximation; good to a few percent for dof >= 3).
 */
export function chiSquareCritical(dof: number, alpha = 0.001): number {
  const z = normalQuantile(1 - alpha);
  const a = 2 / (9 * dof);
  return dof * Math.pow(1 - a + z * Math.sqrt(a), 3);
}

/** Standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Pearson's statistic sum((O - E)^2 / E) over cells with E > 0. */
export function pearsonStatistic(observed: ArrayLike<number>, expected: ArrayLike<number>): number {
  let x = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expected[i] > 0) x += ((observed[i] - expected[i]) ** 2) / expected[i];
  }
  return x;
}

/**
 * A small least-squares problem in plain JS: per-sample gradients g_i = (theta.x_i - y_i) x_i
 * at a fixed theta, their full-data mean, and their norms (a natural importance score).
 */
export function linearModelGradients(n: number, dim: number, seed = 7): {
  grads: Float64Array[];
  mean: Float64Array;
  norms: Float64Array;
} {
  // a tiny LCG keeps this helper independent of the Rng under test
  let state = seed >>> 0 || 1;
  const rand = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const theta = Float64Array.from({ length: dim }, () => rand() - 0.5);
  const grads: Float64Array[] = [];
  const mean = new Float64Array(dim);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // heavy-ish tail so importance sampling has something to do
    const scale = i % 7 === 0 ? 4 : 1;
    const x = Float64Array.from({ length: dim }, () => (rand() - 0.3) * scale);
    const y = rand() * 2 - 0.5;
    let pred = 0;
    for (let k = 0; k < dim; k++) pred += theta[k] * x[k];
    const g = x.map((v) => (pred - y) * v);
    grads.push(g);
    let sq = 0;
    for (let k = 0; k < dim; k++) {
      mean[k] += g[k] / n;
      sq += g[k] * g[k];
    }
    norms[i] = Math.sqrt(sq);
  }
  return { grads, mean, norms };
}

/** The batch's weighted mean gradient (1/|batch|) sum_j w_j g_{i_j}, as the loop would train on. */
export function batchGradient(
  grads: Float64Array[],
  indices: ArrayLike<number>,
  weights: ArrayLike<number> | null,
): Float64Array {
  const dim = grads[0].length;
  const out = new Float64Array(dim);
  for (let j = 0; j < indices.length; j++) {
    const w = weights ? weights[j] : 1;
    const g = grads[indices[j]];
    for (let k = 0; k < dim; k++) out[k] += (w * g[k]) / indices.length;
  }
  return out;
}

/** ||a - b|| / ||b||. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let k = 0; k < b.length; k++) {
    num += (a[k] - b[k]) ** 2;
    den += b[k] * b[k];
  }
  return Math.sqrt(num / den);
}
