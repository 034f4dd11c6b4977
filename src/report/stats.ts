/**
 * Mean and 95% confidence interval of a small sample (a handful of seeds), with Student's t;
 * relative differences of paired samples (arms that share a seed) with a log-ratio interval.
 */

// jstat ships no type declarations: the one function used here, typed
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jStat } = require('jstat') as { jStat: { studentt: { inv(p: number, dof: number): number } } };

/**
 * The 0.975 quantile of Student's t with `df` degrees of freedom: the multiplier of the
 * standard error for a two-sided 95% interval (jstat's inverse t distribution).
 */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a positive integer, got ${df}`);
  return jStat.studentt.inv(0.975, df);
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

/** A relative difference of two paired means (arm over baseline, seed by seed), with its 95% CI. */
export interface RelativeDifference {
  /** Seeds with a finite, positive value in both. */
  n: number;
  armMean: number;
  baselineMean: number;
  /** exp(mean of the per-seed log ratios) - 1: -0.105 is 10.5% lower than the baseline. */
  relative: number;
  /** The 95% interval of `relative` (NaN below 2 seeds). */
  lo: number;
  hi: number;
  /** The interval excludes 0 (false below 2 seeds). */
  significant: boolean;
}

/**
 * arm / baseline - 1 from paired samples: the per-seed log ratios log(a_s / b_s) get a t interval
 * (their mean ± t(0.975, n-1) sd / sqrt(n)), and the ends are mapped back with exp(.) - 1. Pairing
 * by seed removes what the arms share (initial weights, data order); the log makes the interval of
 * a ratio well defined and asymmetric as a ratio's is. The point estimate is the geometric mean
 * ratio. Pairs with a value <= 0 or not finite are left out (a ratio of them means nothing).
 */
export function pairedRelativeDifference(arm: readonly number[], baseline: readonly number[]): RelativeDifference {
  if (arm.length !== baseline.length) throw new RangeError(`paired samples need equal lengths, got ${arm.length} and ${baseline.length}`);
  const pairs = arm.map((a, i) => [a, baseline[i]]).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0);
  const n = pairs.length;
  const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  if (n === 0) return { n, armMean: NaN, baselineMean: NaN, relative: NaN, lo: NaN, hi: NaN, significant: false };
  const logs = meanCI(pairs.map(([a, b]) => Math.log(a / b)));
  const relative = Math.exp(logs.mean) - 1;
  const lo = n >= 2 ? Math.exp(logs.lo) - 1 : NaN;
  const hi = n >= 2 ? Math.exp(logs.hi) - 1 : NaN;
  return {
    n,
    armMean: mean(pairs.map((p) => p[0])),
    baselineMean: mean(pairs.map((p) => p[1])),
    relative,
    lo,
    hi,
    significant: n >= 2 && Number.isFinite(lo) && (hi < 0 || lo > 0),
  };
}
