import { ciExcludes, formatMeanCI, meanCI, tQuantile975 } from '../src/report/stats';

/** t(0.975, df) computed independently: bisection on the t CDF integrated with Simpson's rule. */
function numericTQuantile975(df: number): number {
  const lgamma = (x: number): number => {
    const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
      12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
    x -= 1;
    let a = c[0];
    const t = x + 7.5;
    for (let i = 1; i < 9; i++) a += c[i] / (x + i);
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
  };
  const logNorm = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  const pdf = (t: number) => Math.exp(logNorm - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
  const cdf = (t: number) => {
    const n = 2000;
    const h = t / n;
    let s = pdf(0) + pdf(t);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * pdf(i * h);
    return 0.5 + (s * h) / 3;
  };
  let lo = 0;
  let hi = 20;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('tQuantile975', () => {
  it.each([2, 3, 4, 7, 15, 30, 31, 45, 100, 400])('matches the numerically integrated t distribution at df=%i', (df) => {
    expect(tQuantile975(df)).toBeCloseTo(numericTQuantile975(df), 4);
  });

  it('has the textbook values and tends to the normal quantile', () => {
    expect(tQuantile975(1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile975(4)).toBeCloseTo(2.7764, 4);
    expect(tQuantile975(10000)).toBeCloseTo(1.96, 3);
  });

  it('rejects degrees of freedom that are not positive integers', () => {
    expect(() => tQuantile975(0)).toThrow(RangeError);
    expect(() => tQuantile975(2.5)).toThrow(RangeError);
  });
});

describe('meanCI', () => {
  it('gives mean 3 and half-width t(0.975,4) * sqrt(2.5) / sqrt(5) for 1..5', () => {
    const s = meanCI([1, 2, 3, 4, 5]);
    expect(s.n).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.halfWidth).toBeCloseTo((2.776445 * Math.sqrt(2.5)) / Math.sqrt(5), 5);
    expect(s.halfWidth).toBeCloseTo(1.963, 3);
    expect(s.lo).toBeCloseTo(3 - s.halfWidth, 12);
    expect(s.hi).toBeCloseTo(3 + s.halfWidth, 12);
  });

  it('has no interval for one value and nothing for none; NaN values are left out', () => {
    expect(meanCI([2]).halfWidth).toBeNaN();
    expect(meanCI([2]).mean).toBe(2);
    expect(meanCI([]).mean).toBeNaN();
    const s = meanCI([1, NaN, 3]);
    expect(s.n).toBe(2);
    expect(s.mean).toBe(2);
  });

  it('says whether the interval excludes a value', () => {
    expect(ciExcludes(meanCI([1.7, 1.8, 1.9]), 1)).toBe(true);
    expect(ciExcludes(meanCI([0.8, 1.2, 1.0]), 1)).toBe(false);
    expect(ciExcludes(meanCI([1.8]), 1)).toBe(false);
  });
});

describe('formatMeanCI', () => {
  it('rounds the half-width to one significant digit and the mean to the same place', () => {
    expect(formatMeanCI({ ...meanCI([1]), n: 5, mean: 1.8123, halfWidth: 0.2345 })).toBe('1.8 ± 0.2');
    expect(formatMeanCI({ ...meanCI([1]), n: 5, mean: 1.8123, halfWidth: 0.0345 })).toBe('1.81 ± 0.03');
    expect(formatMeanCI({ ...meanCI([1]), n: 5, mean: 1.8123, halfWidth: 0.0145 })).toBe('1.812 ± 0.015');
    expect(formatMeanCI({ ...meanCI([1]), n: 5, mean: 123.4, halfWidth: 12 })).toBe('123 ± 12');
  });

  it('caps the decimals of a zero-width interval and prints a bare mean without one', () => {
    expect(formatMeanCI(meanCI([2, 2, 2]), 2)).toBe('2.00 ± 0.00');
    expect(formatMeanCI(meanCI([1.23456]))).toBe('1.23');
  });
});
