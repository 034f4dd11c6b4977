/**
 * Strategies driven by the real loop: an Arm with a TrainingSession on a tiny model WITH dropout,
 * so a scoring pass that ran in training mode (or a tau fed with inference-mode scores) would give
 * different numbers and fail here.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../src/config/schema';
import { makeBlobs } from '../src/data/synthetic';
import { buildModel } from '../src/models/build';
import { Rng } from '../src/rng';
import { orderedSgdStrategy } from '../src/sampling/ordered-sgd';
import { uniformStrategy } from '../src/sampling/uniform';
import { UpperBoundSampler, upperBoundStrategy } from '../src/sampling/upper-bound';
import { emaUpdate, varianceReductionTau } from '../src/sampling/variance-reduction';
import type { AuxiliaryModel, BatchPlan, Strategy, StrategyContext } from '../src/spec';
import { Arm } from '../src/train/arm';
import { createOptimizer } from '../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession, type DeviceSplit } from '../src/train/session';
import type { OptimizerConfig } from '../src/config/schema';

const features = 6;
const classes = 3;
const LAYERS: LayerSpec[] = [
  { type: 'dense', units: 16, activation: 'relu' },
  { type: 'dropout', rate: 0.5 },
  { type: 'dense', units: classes, activation: 'softmax' },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

interface Fixture {
  train: DeviceSplit;
  validation: DeviceSplit;
  labels: Int32Array;
  y: Float32Array;
  session: (seed?: number, optimizer?: OptimizerConfig, owned?: boolean) => TrainingSession;
  arm: (strategy: Strategy, opts?: { batchSize?: number; epochs?: number; optimizer?: OptimizerConfig }) => Arm;
  dispose: () => void;
}

function fixture(nTrain = 48): Fixture {
  const d = makeBlobs({ train: nTrain, test: 24, features, classes, separation: 1 }, 3);
  const train = toDevice(d.train, 'float32');
  const validation = toDevice(d.test, 'float32');
  const sessions: TrainingSession[] = [];
  /** A session on the training split; `owned` ones are disposed here, the others by the arm. */
  const session = (seed = 5, optimizer: OptimizerConfig = { name: 'sgd', learningRate: 0.1 }, owned = true) => {
    const model = buildModel(LAYERS, { inputShape: [features], inputDtype: 'float32', seed, dropoutRng: new Rng(seed) });
    const s = new TrainingSession(model, createOptimizer(optimizer), train);
    if (owned) sessions.push(s);
    return s;
  };
  const arm = (strategy: Strategy, opts: { batchSize?: number; epochs?: number; optimizer?: OptimizerConfig } = {}) =>
    new Arm({
      name: 'arm',
      strategyName: 'test',
      strategy,
      session: session(5, opts.optimizer),
      rng: new Rng(11),
      dropoutRng: new Rng(5),
      labels: d.train.labels,
      batchSize: opts.batchSize ?? 8,
      epochs: opts.epochs ?? 1,
      validation,
      freshSession: () => session(6, opts.optimizer, false),
    });
  return {
    train,
    validation,
    labels: d.train.labels,
    y: d.train.y,
    session,
    arm,
    dispose: () => {
      sessions.forEach((s) => s.dispose());
      disposeSplit(train);
      disposeSplit(validation);
    },
  };
}

/** ||softmax(z) - y|| per row, from an inference-mode forward of the model, computed here. */
function inferenceGnorm(session: TrainingSession, f: Fixture, indices: Int32Array): number[] {
  const probs = tf.tidy(() => {
    const x = tf.gather(f.train.x, tf.tensor1d(indices, 'int32'));
    return session.model.logits.apply(x, { training: false }) as tf.Tensor2D;
  });
  const z = probs.arraySync();
  probs.dispose();
  return z.map((row, r) => {
    const p = tf.tidy(() => tf.softmax(tf.tensor1d(row)).arraySync() as number[]);
    let sq = 0;
    p.forEach((v, c) => (sq += (v - f.y[indices[r] * classes + c]) ** 2));
    return Math.sqrt(sq);
  });
}

/** Runs fn on every call of session[method] and records its arguments and result. */
function record<K extends 'trainStep' | 'score' | 'evaluate'>(session: TrainingSession, method: K) {
  const calls: { args: unknown[]; result: ReturnType<TrainingSession[K]> }[] = [];
  const original = (session[method] as (...a: unknown[]) => ReturnType<TrainingSession[K]>).bind(session);
  jest.spyOn(session, method).mockImplementation(((...args: unknown[]) => {
    const result = original(...args);
    calls.push({ args, result });
    return result;
  }) as never);
  return { calls, original };
}

describe('scoring passes run the model in inference mode (a model with dropout)', () => {
  it('session.score repeats itself, matches an inference-mode forward, and differs from a training-mode one', () => {
    const f = fixture();
    const s = f.session();
    const idx = Int32Array.from([0, 5, 9, 13, 21, 30]);
    const a = Array.from(s.score(idx, 'gnorm'));
    const b = Array.from(s.score(idx, 'gnorm', { chunkSize: 4 }));
    expect(b).toEqual(a);
    inferenceGnorm(s, f, idx).forEach((v, j) => expect(a[j]).toBeCloseTo(v, 5));
    const trained = Array.from(s.score(idx, 'gnorm', { training: true }));
    expect(trained.some((v, j) => Math.abs(v - a[j]) > 1e-4)).toBe(true);
    f.dispose();
  });

  it('the context passes its options through: inference by default, training when asked, the forward batch size as the chunk', async () => {
    const f = fixture();
    const seen: unknown[] = [];
    const probe: Strategy = {
      async epochStart(ctx: StrategyContext) {
        await ctx.score(Int32Array.from([1, 2, 3]), 'loss');
        await ctx.score(Int32Array.from([1, 2, 3]), 'loss', { mode: 'training', forwardBatchSize: 2 });
        return 0;
      },
      nextBatch: () => null,
      observe: () => {},
    };
    const arm = f.arm(probe);
    const { calls } = record(arm.options.session, 'score');
    const rec = (await arm.runEpoch(0))!;
    calls.forEach((c) => seen.push(c.args[2]));
    expect(seen).toEqual([{ chunkSize: undefined, training: false }, { chunkSize: 2, training: true }]);
    expect(rec.score_forward_samples).toBe(6);
    f.dispose();
  });
});

describe('upper-bound in the loop', () => {
  function upperBound(params: Record<string, unknown>, tau: number): UpperBoundSampler {
    const s = upperBoundStrategy.create(upperBoundStrategy.params.parse(params), { n: 48, batchSize: 8, epochs: 1, numClasses: classes }) as UpperBoundSampler;
    s.restore({ tau });
    return s;
  }

  it('while uniform, updates tau with the training step\'s (training-mode, dropout) scores, not inference-mode ones', async () => {
    const f = fixture();
    const strategy = upperBound({}, 0); // tau 0 < tau_th 2: uniform all epoch
    const arm = f.arm(strategy);
    const session = arm.options.session;
    const inference: number[][] = [];
    const calls: ReturnType<TrainingSession['trainStep']>[] = [];
    const step = session.trainStep.bind(session);
    jest.spyOn(session, 'trainStep').mockImplementation((indices, weights, topQ) => {
      inference.push(Array.from(session.score(indices, 'gnorm'))); // what an inference-mode score would have been
      const result = step(indices, weights, topQ);
      calls.push(result);
      return result;
    });
    await arm.runEpoch(0);
    expect(calls).toHaveLength(6);
    let fromTraining = 0;
    let fromInference = 0;
    calls.forEach((c, t) => {
      fromTraining = emaUpdate(fromTraining, varianceReductionTau(c.scores.gnorm));
      fromInference = emaUpdate(fromInference, varianceReductionTau(inference[t]));
    });
    expect(strategy.currentTau).toBeCloseTo(fromTraining, 10);
    expect(Math.abs(strategy.currentTau - fromInference)).toBeGreaterThan(1e-6);
    f.dispose();
  });

  it('when active, scores its B candidates in inference mode, b rows a pass, and feeds those scores to tau', async () => {
    const f = fixture();
    const strategy = upperBound({ tau_th: 1.01 }, 10);
    const arm = f.arm(strategy);
    const session = arm.options.session;
    const scores = record(session, 'score');
    const steps = record(session, 'trainStep');
    const rec = (await arm.runEpoch(0))!;
    expect(rec.is_active).toBe(1);
    expect(scores.calls).toHaveLength(6);
    let tau = 10;
    scores.calls.forEach((c, t) => {
      const [candidates, kind, options] = c.args as [Int32Array, string, { chunkSize?: number; training?: boolean }];
      expect(candidates).toHaveLength(24); // B = 3b
      expect(kind).toBe('gnorm');
      expect(options).toEqual({ chunkSize: 8, training: false });
      tau = emaUpdate(tau, varianceReductionTau(c.result as Float32Array));
      for (const i of steps.calls[t].args[0] as Int32Array) expect(Array.from(candidates)).toContain(i);
    });
    expect(strategy.currentTau).toBeCloseTo(tau, 10);
    // the first pass ran before any training step: check it against an inference forward of the initial weights
    const fresh = f.session();
    const first = scores.calls[0];
    inferenceGnorm(fresh, f, first.args[0] as Int32Array).forEach((v, j) => expect((first.result as Float32Array)[j]).toBeCloseTo(v, 5));
    expect(rec.score_forward_samples).toBe(6 * 24);
    f.dispose();
  });
});

describe('uniform in the loop', () => {
  it('trains the partial last batch: ceil(N/b) steps, every sample once, weight statistics over the real batch sizes', async () => {
    const f = fixture(50);
    const arm = f.arm(uniformStrategy.create({}, { n: 50, batchSize: 8, epochs: 1, numClasses: classes }));
    const { calls } = record(arm.options.session, 'trainStep');
    const rec = (await arm.runEpoch(0))!;
    expect(rec.steps).toBe(7);
    expect(calls.map((c) => (c.args[0] as Int32Array).length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
    expect(rec.backward_samples).toBe(50);
    expect(rec.forward_samples).toBe(50);
    expect(rec.weight_mean).toBe(1);
    expect(rec.weight_ess).toBe(1);
    f.dispose();
  });
});

describe('ordered-sgd in the loop', () => {
  it('measures q\'s accuracy with a full pass over the training set after the epoch, counted as scoring forwards', async () => {
    const f = fixture();
    const strategy = orderedSgdStrategy.create(orderedSgdStrategy.params.parse({}), { n: 48, batchSize: 8, epochs: 2, numClasses: classes });
    const arm = f.arm(strategy, { epochs: 2 });
    const evals = record(arm.options.session, 'evaluate');
    const first = (await arm.runEpoch(0))!;
    // one full training-set pass in training mode (the original's model.train()), then the validation pass
    expect(evals.calls.map((c) => c.args)).toEqual([[undefined, { training: true }], [f.validation]]);
    expect(first.score_forward_samples).toBe(48);
    expect(first.forward_samples).toBe(48 + 48);
    const second = (await arm.runEpoch(1))!;
    expect(second.extra.q_accuracy).toBe(evals.calls[0].result.accuracy);
    expect(second.score_forward_samples).toBe(0); // no pass after the last epoch
    f.dispose();
  });

  it('the loop applies a plan\'s learning-rate scale to the optimizer (SGD\'s cached rate too), and back', async () => {
    for (const optimizer of [{ name: 'sgd', learningRate: 0.1 }, { name: 'adam', learningRate: 0.01 }] as OptimizerConfig[]) {
      const f = fixture();
      const scales = [1, 0.5, 0.5, 0.1, 1, 1];
      let t = 0;
      const plans: Strategy = {
        epochStart: () => scales.length,
        nextBatch: (ctx) =>
          ctx.step < scales.length
            ? ({ indices: Int32Array.from([0, 1, 2, 3]), weights: null, learningRateScale: scales[t++] } as BatchPlan)
            : null,
        observe: () => {},
      };
      const arm = f.arm(plans, { optimizer });
      const opt = arm.options.session.optimizer as unknown as { learningRate: number; c?: tf.Scalar };
      const seen: number[] = [];
      const step = arm.options.session.trainStep.bind(arm.options.session);
      jest.spyOn(arm.options.session, 'trainStep').mockImplementation((i, w, q) => {
        seen.push(opt.learningRate);
        if (opt.c) expect(opt.c.dataSync()[0]).toBeCloseTo(-opt.learningRate, 8);
        return step(i, w, q);
      });
      await arm.runEpoch(0);
      scales.forEach((sc, j) => expect(seen[j]).toBeCloseTo(optimizer.learningRate! * sc, 10));
      f.dispose();
    }
  });
});

describe('auxiliary models in the loop (RHO-LOSS\'s irreducible-loss model)', () => {
  it('keeps the weights of the epoch with the lowest validation loss, and counts its passes against the arm', async () => {
    const f = fixture();
    const epochs = 8;
    let aux: AuxiliaryModel | null = null;
    let auxSession: TrainingSession | null = null;
    const valLosses: number[] = [];
    const probe: Strategy = {
      async epochStart(ctx: StrategyContext) {
        aux = await ctx.trainAuxiliary(Int32Array.from({ length: 24 }, (_, i) => i), epochs, { batchSize: 6, keepBestValidation: true });
        // the kept model's validation loss, measured here after training
        valLosses.push(auxSession!.evaluate(f.validation).loss);
        return 0;
      },
      nextBatch: () => null,
      observe: () => {},
    };
    // a learning rate high enough that the validation loss does not fall every epoch
    const arm = f.arm(probe, { optimizer: { name: 'sgd', learningRate: 4 } });
    const fresh = arm.options.freshSession;
    const perEpoch: number[] = [];
    (arm.options as { freshSession: () => TrainingSession }).freshSession = () => {
      const s = fresh();
      auxSession = s;
      const evaluate = s.evaluate.bind(s);
      jest.spyOn(s, 'evaluate').mockImplementation((split, opts) => {
        const r = evaluate(split, opts);
        perEpoch.push(r.loss);
        return r;
      });
      return s;
    };
    const trainSteps = record(arm.options.session, 'trainStep');
    const tensors = tf.memory().numTensors;
    const rec = (await arm.runEpoch(0))!;
    expect(tf.memory().numTensors).toBe(tensors); // the auxiliary model and its weight snapshots are gone
    expect(perEpoch).toHaveLength(epochs + 1); // one per epoch, then ours after training
    const during = perEpoch.slice(0, epochs);
    const best = during.indexOf(Math.min(...during));
    expect(best).toBeLessThan(epochs - 1); // the setting does exercise putting an earlier epoch back
    expect(aux!.bestEpoch).toBe(best + 1);
    expect(aux!.bestValidationLoss).toBe(during[best]);
    expect(valLosses[0]).toBeCloseTo(during[best], 6);
    // 24 samples in batches of 6 (4 steps) per epoch, a validation pass (24) per epoch
    expect(trainSteps.calls).toHaveLength(0);
    expect(rec.backward_samples).toBe(epochs * 24);
    expect(rec.score_forward_samples).toBe(epochs * 24);
    f.dispose();
  });
});
