import { Rng } from '../src/rng';
import { importanceDraw } from '../src/sampling/importance-draw';
import { mixWithUniform } from '../src/sampling/mixture';
import { RingBuffer } from '../src/sampling/percentile';
import { annealedSelectionPressure, rankSelectionProbabilities, ranksDescending } from '../src/sampling/rank-probabilities';
import { biasedWeights } from '../src/sampling/reweighting';
import { SampleScoreTable } from '../src/sampling/score-table';
import { AdaptiveSmoother, additiveSmoother, makeSmoother } from '../src/sampling/smoothing';
import { topK } from '../src/sampling/top-k';
import { unbiasedWeights } from '../src/sampling/variance-reduction';
import { effectiveSampleSize } from '../src/sampling/weight-stats';

describe('biasedWeights (w^k rescaled over the batch)', () => {
  // presample [1,2,3,4], mean 2.5; chosen positions [3, 0]: w = [2.5/4, 2.5/1] = [0.625, 2.5]
  it('k = 0.5: w^k = [0.7906, 1.5811], rescaled by (w.s)/(w^k.s) = 5 / 4.7434 -> [5/6, 5/3]', () => {
    const w = biasedWeights([1, 2, 3, 4], [3, 0], 0.5);
    expect(w[0]).toBeCloseTo(5 / 6, 5);
    expect(w[1]).toBeCloseTo(5 / 3, 5);
  });

  it('k = 1 equals the unbiased 1 / (B p)', () => {
    const scores = [0.5, 2, 1, 4, 0.1];
    const chosen = [1, 4, 4, 3];
    const a = biasedWeights(scores, chosen, 1);
    const b = unbiasedWeights(scores, chosen);
    for (let j = 0; j < chosen.length; j++) expect(a[j]).toBeCloseTo(b[j], 5);
  });

  it('k = 0 gives equal weights, rescaled so sum(w s) is kept', () => {
    // chosen [3, 0]: w.s = 5, w^0.s = 4 + 1 = 5 -> t = 1, weights 1
    expect(Array.from(biasedWeights([1, 2, 3, 4], [3, 0], 0))).toEqual([1, 1]);
    // chosen [3, 3]: w = [0.625, 0.625], w.s = 5, w^0.s = 8 -> weights 0.625
    expect(Array.from(biasedWeights([1, 2, 3, 4], [3, 3], 0))).toEqual([0.625, 0.625]);
  });
});

describe('importanceDraw', () => {
  it('draws only positions with positive score and weights them like biasedWeights', () => {
    const rng = new Rng(1);
    const d = importanceDraw(rng, [0, 2, 0, 6], 50, 0.5);
    expect(new Set(d.positions)).toEqual(new Set([1, 3]));
    const expected = biasedWeights([0, 2, 0, 6], d.positions, 0.5);
    expect(Array.from(d.weights)).toEqual(Array.from(expected));
  });

  it('is uniform with weight 1 when every score is 0', () => {
    const d = importanceDraw(new Rng(2), [0, 0, 0], 300);
    expect(Array.from(d.weights).every((w) => w === 1)).toBe(true);
    expect(new Set(d.positions)).toEqual(new Set([0, 1, 2]));
  });
});

describe('effectiveSampleSize', () => {
  it('is (sum w)^2 / sum w^2', () => {
    expect(effectiveSampleSize([1, 1, 1, 1])).toBe(4);
    expect(effectiveSampleSize([1, 0, 0, 0])).toBe(1);
    expect(effectiveSampleSize([1, 2])).toBeCloseTo(9 / 5, 12);
    expect(effectiveSampleSize([])).toBe(0);
  });
});

describe('smoothing', () => {
  it('additive adds c', () => {
    expect(Array.from(additiveSmoother(0.5).apply([1, 2]))).toEqual([1.5, 2.5]);
    expect(makeSmoother(0, true).offset).toBe(0); // smooth 0: no smoothing even if adaptive
  });

  it('adaptive adds pct * m, m an EMA (0.9, start 1) of the score mean', () => {
    const s = new AdaptiveSmoother(0.5);
    // mean 3: m = 0.9 * 1 + 0.1 * 3 = 1.2, offset 0.6
    const out = s.apply([2, 4]);
    expect(s.mu).toBeCloseTo(1.2, 12);
    expect(out[0]).toBeCloseTo(2.6, 6);
    expect(out[1]).toBeCloseTo(4.6, 6);
    // mean 0: m = 1.08, offset 0.54
    expect(s.apply([0, 0])[0]).toBeCloseTo(0.54, 6);
    const t = makeSmoother(0.5, true);
    t.restore({ mu: 2 });
    expect(t.offset).toBe(1);
  });
});

describe('rank-based probabilities', () => {
  it('p_i proportional to exp(-ln(s_e) rank_i / N): s_e 16, N 4 -> [8, 4, 2, 1] / 15', () => {
    const p = rankSelectionProbabilities([0, 1, 2, 3], 16);
    [8, 4, 2, 1].forEach((v, i) => expect(p[i]).toBeCloseTo(v / 15, 12));
    const q = rankSelectionProbabilities([3, 0, 2, 1], 16);
    expect(q[1]).toBeCloseTo(8 / 15, 12);
    expect(q[0]).toBeCloseTo(1 / 15, 12);
  });

  it('s_e = 1 is uniform', () => {
    expect(Array.from(rankSelectionProbabilities([2, 0, 1], 1))).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('ranks highest first, unknown (NaN) above all, ties by the given order', () => {
    expect(Array.from(ranksDescending([0.5, 2, NaN, 2]))).toEqual([3, 1, 0, 2]);
    expect(Array.from(ranksDescending([0.5, 2, NaN, 2], [3, 2, 1, 0]))).toEqual([3, 2, 0, 1]);
  });

  it('anneals s_e geometrically with (epoch + 1) / epochs, reaching s_eend at the last epoch', () => {
    // s_e0 = 100, s_eend = 1, 4 epochs: 100 * 0.01^((e + 1) / 4) = 100 * 10^(-(e + 1) / 2)
    expect(annealedSelectionPressure(100, 1, 0, 4)).toBeCloseTo(Math.pow(10, 1.5), 10);
    expect(annealedSelectionPressure(100, 1, 1, 4)).toBeCloseTo(10, 10);
    expect(annealedSelectionPressure(100, 1, 2, 4)).toBeCloseTo(Math.sqrt(10), 10);
    expect(annealedSelectionPressure(100, 1, 3, 4)).toBeCloseTo(1, 10);
    expect(annealedSelectionPressure(1, 1e8, 0, 1)).toBeCloseTo(1e8, 2);
    expect(annealedSelectionPressure(100, 100, 5, 9)).toBeCloseTo(100, 10);
  });
});

describe('percentile over a ring buffer', () => {
  it('keeps the last `capacity` values and gives the fraction strictly below x', () => {
    const r = new RingBuffer(3);
    expect(r.fractionBelow(1)).toBe(0);
    [1, 2, 3, 4].forEach((v) => r.push(v));
    expect(r.values()).toEqual([2, 3, 4]);
    expect(r.size).toBe(3);
    expect(r.fractionBelow(3)).toBeCloseTo(1 / 3, 12); // only 2 is below 3
    expect(r.fractionBelow(2)).toBe(0);
    expect(r.fractionBelow(4)).toBeCloseTo(2 / 3, 12); // the largest value never counts itself
    expect(r.fractionBelow(4.5)).toBe(1);
    expect(RingBuffer.fromState(JSON.parse(JSON.stringify(r.state()))).values()).toEqual([2, 3, 4]);
  });
});

describe('SampleScoreTable', () => {
  it('reads unseen samples at the mean of the seen ones, keeping the sum up to date', () => {
    const t = new SampleScoreTable(4);
    expect(t.get(2)).toBe(1); // fallback before anything is seen
    t.set(0, 2);
    t.set(1, 4);
    expect(t.mean).toBe(3);
    expect(t.get(2)).toBe(3);
    t.set(0, 6);
    expect(t.mean).toBe(5);
    t.updateEma(1, 0, 0.5); // 0.5 * 4 + 0.5 * 0
    expect(t.get(1)).toBe(2);
    t.updateEma(3, 10, 0.5); // first observation taken as is
    expect(t.get(3)).toBe(10);
    expect(t.seenFraction).toBe(0.75);
    expect(Array.from(t.all())).toEqual([6, 2, 6, 10]);
    const u = new SampleScoreTable(4);
    u.restore(JSON.parse(JSON.stringify(t.state())));
    expect(u.state()).toEqual([6, 2, null, 10]);
    expect(u.mean).toBe(6);
  });
});

describe('mixWithUniform', () => {
  it('(1 - eps) s / sum(s) + eps / N', () => {
    const p = mixWithUniform([1, 3], 0.2);
    expect(p[0]).toBeCloseTo(0.3, 12);
    expect(p[1]).toBeCloseTo(0.7, 12);
    expect(Array.from(mixWithUniform([0, 0], 0.2))).toEqual([0.5, 0.5]);
  });
});

describe('topK', () => {
  it('gives the positions of the k largest, ties by position', () => {
    expect(Array.from(topK([1, 5, 3, 5], 2))).toEqual([1, 3]);
    expect(Array.from(topK([1, 5, 3, 5], 3))).toEqual([1, 3, 2]);
    expect(Array.from(topK([2], 3))).toEqual([0]);
  });
});
