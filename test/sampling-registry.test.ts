import { Rng } from '../src/rng';
import { getStrategy, listStrategies, strategyNames } from '../src/sampling/registry';
import type { Strategy, StrategyDefinition } from '../src/spec';
import { MockContext, plansToJson, runEpochs, type EpochRun } from './helpers/mock-context';

const n = 120;
const batchSize = 8;
const epochs = 4;

/** A context with varied scores, accuracy and irreducible losses so every branch has work to do. */
function context(seed: number): MockContext {
  return new MockContext({
    n,
    batchSize,
    epochs,
    seed,
    scores: (i, kind) => (kind === 'loss' ? 0.05 + ((i * 17) % 23) / 10 : 0.01 + ((i * 7) % 13) / 13),
    correct: Array.from({ length: n }, (_, i) => (i % 10 < 9 ? 1 : 0)),
    auxiliaryLosses: Array.from({ length: n }, (_, i) => ((i * 5) % 11) / 20),
  });
}

function make(def: StrategyDefinition<any>, ctx: MockContext): Strategy {
  return def.create(def.params.parse({}), ctx.setup);
}

describe('the strategy registry', () => {
  it('lists the uniform baseline and the other strategies, by unique name', () => {
    expect(strategyNames()).toEqual([
      'uniform',
      'upper-bound',
      'biased',
      'approximate',
      'constant-time',
      'online-batch-selection',
      'selective-backprop',
      'infobatch',
      'ordered-sgd',
      'loss-history',
      'rho-loss',
      'random-subset',
    ]);
    expect(getStrategy('infobatch').name).toBe('infobatch');
    expect(() => getStrategy('nope')).toThrow(/unknown strategy "nope"/);
  });
});

describe.each(listStrategies().map((d) => [d.name, d] as const))('%s', (_name, def) => {
  it('has a one-line description that says "biased" exactly when it is', () => {
    expect(def.description).not.toMatch(/\n/);
    expect(def.description.length).toBeLessThan(200);
    expect(/\bbiased\b/.test(def.description)).toBe(!def.unbiased);
  });

  it('parses {} to its defaults and rejects unknown keys', () => {
    expect(def.params.safeParse({}).success).toBe(true);
    const r = def.params.safeParse({ no_such_parameter: 1 });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0].code).toBe('unrecognized_keys');
  });

  let runs: EpochRun[];
  beforeAll(async () => {
    const ctx = context(1);
    runs = await runEpochs(make(def, ctx), ctx, epochs);
  });

  it('plans valid batches: indices in range, weights finite and positive, topQ within the batch', () => {
    for (const run of runs) {
      expect(Number.isInteger(run.planned) && run.planned >= 0).toBe(true);
      expect(run.plans.length).toBeGreaterThan(0);
      for (const plan of run.plans) {
        expect(plan.indices).toBeInstanceOf(Int32Array);
        expect(plan.indices.length).toBeGreaterThan(0);
        for (const i of plan.indices) expect(i >= 0 && i < n).toBe(true);
        if (plan.weights !== null) {
          expect(plan.weights).toBeInstanceOf(Float32Array);
          expect(plan.weights).toHaveLength(plan.indices.length);
          for (const w of plan.weights) expect(Number.isFinite(w) && w > 0).toBe(true);
        }
        if (plan.topQ !== undefined) expect(plan.topQ >= 1 && plan.topQ <= plan.indices.length).toBe(true);
      }
    }
  });

  it('reports exactly its declared diagnostics columns (plus tau), as numbers', () => {
    for (const run of runs) {
      const keys = Object.keys(run.diagnostics).filter((k) => k !== 'tau');
      expect(keys).toEqual(def.diagnostics);
      for (const v of Object.values(run.diagnostics)) expect(typeof v).toBe('number');
    }
  });

  it('gives the same plans under the same seed', async () => {
    const again = context(1);
    const rerun = await runEpochs(make(def, again), again, epochs);
    expect(rerun.map((r) => plansToJson(r.plans))).toEqual(runs.map((r) => plansToJson(r.plans)));
  });

  it('resumes from JSON of state() and the rng state exactly as if never stopped', async () => {
    const ctx = context(2);
    const s = make(def, ctx);
    await runEpochs(s, ctx, 2);
    const saved = JSON.parse(JSON.stringify(s.state?.() ?? null));
    const rngState = ctx.rng.state();
    const continued = await runEpochs(s, ctx, 2);

    const ctx2 = context(2);
    ctx2.rng = new Rng(2, rngState);
    ctx2.epoch = 2;
    const restored = make(def, ctx2);
    if (saved !== null) restored.restore!(saved);
    const resumed = await runEpochs(restored, ctx2, 2);
    expect(resumed.map((r) => plansToJson(r.plans))).toEqual(continued.map((r) => plansToJson(r.plans)));
    expect(resumed.map((r) => r.diagnostics)).toEqual(continued.map((r) => r.diagnostics));
  });
});
