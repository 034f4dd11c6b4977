/**
 * Monte-Carlo check of every unbiased strategy: with scores taken from a small least-squares
 * model's per-sample gradient norms, the weighted batch gradient (1/|batch|) sum_j w_j g_{i_j}
 * averaged over many steps matches the full-data mean gradient. (InfoBatch, unbiased per epoch
 * rather than per step, is checked in sampling-infobatch.test.ts.)
 */
import { getStrategy, listStrategies } from '../src/sampling/registry';
import type { Strategy } from '../src/spec';
import { MockContext, runEpoch } from './helpers/mock-context';
import { batchGradient, linearModelGradients, relativeError } from './helpers/stats';

const n = 120;
const batchSize = 8;
const { grads, mean, norms } = linearModelGradients(n, 5, 13);
// a loss table unlike the gradient norms, zero for every third sample: a strategy that sampled by
// loss where it should sample by gnorm would never draw those samples, and its average would miss them
const losses = Array.from(norms, (g, i) => (i % 3 === 0 ? 0 : 1 / (g + 0.1)));

interface Case {
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  /** Puts the strategy in its importance-sampling regime from the first step. */
  prepare?: (s: Strategy) => void;
  /** Fraction of steps that must be importance-sampled. */
  minActive: number;
}

const cases: Case[] = [
  { name: 'uniform', strategy: 'uniform', params: {}, minActive: 0 },
  { name: 'random-subset', strategy: 'random-subset', params: { ratio: 0.3 }, minActive: 0 },
  {
    name: 'upper-bound',
    strategy: 'upper-bound',
    params: { tau_th: 1.01 },
    prepare: (s) => s.restore!({ tau: 10 }),
    minActive: 0.99,
  },
  {
    name: 'constant-time',
    strategy: 'constant-time',
    params: { tau_th: 1.01 },
    prepare: (s) => s.restore!({ tau: 10 }),
    minActive: 0.99,
  },
  { name: 'loss-history', strategy: 'loss-history', params: {}, minActive: 1 },
  { name: 'biased with k = 1', strategy: 'biased', params: { k: 1, presample: 24 }, minActive: 1 },
  { name: 'approximate with k = 1', strategy: 'approximate', params: { k: 1, presample: 24 }, minActive: 1 },
];

async function averageGradient(c: Case, epochs: number, weighted = true) {
  const def = getStrategy(c.strategy);
  const ctx = new MockContext({ n, batchSize, epochs, seed: 31, scores: { gnorm: norms, loss: losses } });
  const s = def.create(def.params.parse(c.params), ctx.setup);
  c.prepare?.(s);
  const acc = new Float64Array(mean.length);
  let steps = 0;
  let active = 0;
  for (let e = 0; e < epochs; e++) {
    const run = await runEpoch(s, ctx);
    for (const plan of run.plans) {
      const g = batchGradient(grads, plan.indices, weighted ? plan.weights : null);
      for (let k = 0; k < acc.length; k++) acc[k] += g[k];
      steps++;
      if (plan.active) active++;
    }
    ctx.epoch++;
  }
  return { avg: acc.map((v) => v / steps), activeFraction: active / steps };
}

describe('unbiased strategies: weighted batch gradients average to the full-data gradient', () => {
  it('covers every strategy declared unbiased', () => {
    const declared = listStrategies()
      .filter((d) => d.unbiased)
      .map((d) => d.name)
      .filter((name) => name !== 'infobatch');
    const covered = new Set(cases.map((c) => c.strategy));
    for (const name of declared) expect(covered).toContain(name);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { avg, activeFraction } = await averageGradient(c, 400); // 6000 steps
    expect(activeFraction).toBeGreaterThanOrEqual(c.minActive);
    expect(relativeError(avg, mean)).toBeLessThan(0.03);
  });

  it('(control) the same check flags biased weighting: biased with k = 0.5, and importance draws without weights', async () => {
    const biased = await averageGradient({ name: 'biased', strategy: 'biased', params: { presample: 24 }, minActive: 1 }, 400);
    expect(relativeError(biased.avg, mean)).toBeGreaterThan(0.04);
    const unweighted = await averageGradient(cases[3], 400, false);
    expect(relativeError(unweighted.avg, mean)).toBeGreaterThan(0.04);
  });

  it('(control) the tables tell the score kinds apart: sampling by loss here is visibly biased', async () => {
    const byLoss = await averageGradient(
      { name: 'upper-bound by loss', strategy: 'upper-bound', params: { tau_th: 1.01, score: 'loss' }, prepare: (s) => s.restore!({ tau: 10 }), minActive: 0.99 },
      400,
    );
    expect(relativeError(byLoss.avg, mean)).toBeGreaterThan(0.1);
  });
});
