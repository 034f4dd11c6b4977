/**
 * Mean and 95% confidence interval of a small sample (a handful of seeds), with Student's t.
 */

/** t(0.975, df) for df = 1..30 (exact to 6 decimals); index 0 unused. */
const T975_TABLE = [
  NaN, 12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157,
  2.228139, 2.200985, 2.178813, 2.160369, 2.144787, 2.13145, 2.119905, 2.109816, 2.100922, 2.093024,
  2.085963, 2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.04523,
  2.042272,
];

/** The 0.975 quantile of the standard normal distribution. */
const Z975 = 1.959963984540054;

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: the multiplier of the
 * standard error for a two-sided 95% interval. A table up to 30, then the Cornish-Fisher
 * expansion (Abramowitz & Stegun 26.7.5), which is accurate to ~1e-6 there.
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  if (df <= 30) return T975_TABLE[df];
  const z = Z975;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  const z9 = z ** 9;
  const g1 = (z3 + z) / 4;
  const g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3 + g4 / df ** 4;
}

/** A sample summarised: mean and the half-width of its 95% t interval (NaN below 2 values). */
export interface SampleStat {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1 denominator); NaN below 2 values. */
  sd: number;
  halfWidth: number;
  lo: number;
  hi: number;
  values: number[];
}

/** Mean ± 95% CI of the finite values (NaN and infinities are left out and not counted). */
export function meanCI(values: readonly number[]): SampleStat {
  const xs = values.filter((v) => Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: NaN, sd: NaN, halfWidth: NaN, lo: NaN, hi: NaN, values: xs };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { n, mean, sd: NaN, halfWidth: NaN, lo: mean, hi: mean, values: xs };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const sd = Math.sqrt(variance);
  const halfWidth = (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, halfWidth, lo: mean - halfWidth, hi: mean + halfWidth, values: xs };
}

/** Whether a 95% interval excludes `value` (false when there is no interval). */
export function ciExcludes(stat: SampleStat, value: number): boolean {
  return stat.n >= 2 && Number.isFinite(stat.halfWidth) && (stat.hi < value || stat.lo > value);
}

/**
 * "1.8 ± 0.2": the half-width to one significant digit (two when it starts with 1) and the
 * mean to the same decimal place, at most `maxDecimals`; a bare mean when there is no interval.
 */
export function formatMeanCI(stat: SampleStat, maxDecimals = 4): string {
  if (stat.n === 0 || !Number.isFinite(stat.mean)) return 'n/a';
  if (!Number.isFinite(stat.halfWidth)) return stat.mean.toFixed(Math.min(2, maxDecimals));
  const decimals = Math.min(maxDecimals, ciDecimals(stat.halfWidth, stat.mean));
  return `${stat.mean.toFixed(decimals)} ± ${stat.halfWidth.toFixed(decimals)}`;
}

function ciDecimals(halfWidth: number, mean: number): number {
  // A zero-width interval (identical values, up to rounding) takes the caller's maximum.
  if (halfWidth <= 1e-12 * Math.max(1, Math.abs(mean))) return Infinity;
  const exponent = Math.floor(Math.log10(halfWidth));
  const leading = halfWidth / 10 ** exponent;
  const significant = leading < 2 ? 2 : 1;
  return Math.max(0, significant - 1 - exponent);
}
