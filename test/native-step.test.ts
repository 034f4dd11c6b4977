import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { LayerSpec, OptimizerConfig } from '../src/config/schema';
import { resolveExperiment } from '../src/config/load';
import { oneHot } from '../src/data/one-hot';
import { loadNativeAddon, type NativeStepPlanHandle } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import { buildModel } from '../src/models/build';
import { Rng } from '../src/rng';
import type { DataSplit } from '../src/spec';
import { resumeExperiment, runExperiment } from '../src/train/experiment';
import { createOptimizer, setLearningRate } from '../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession, type DeviceSplit, type StepResult } from '../src/train/session';
import { smallExperiment, tempDir } from './helpers/cli';

/**
 * The planned training step (src/train/native-step.ts over native/src/step_plan.cc) against tfjs's
 * own kernels on the cpu backend: the same objective, per-sample scores, weights and optimizer slots
 * after a short run, for every layer, activation, loss and optimizer it plans; tfjs's step for what
 * it does not plan; no leaks; tensors sharing a weight's memory keep their values; runs resume
 * exactly.
 */

const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native-step tests skipped: ${skipReason}`);
const suite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

/** Relative error allowed on the losses of a short run (and on weights and slots after it). */
const TOLERANCE = 1e-5;

interface Case {
  name: string;
  layers: LayerSpec[];
  input: { shape: number[]; ids?: number };
  /** Output units and how targets look: one-hot classes, 0/1 per output, or real values. */
  output: { units: number; targets: 'classes' | 'binary' | 'real' };
  optimizer: OptimizerConfig;
}

const MLP: LayerSpec[] = [
  { type: 'dense', units: 24, activation: 'relu' },
  { type: 'dropout', rate: 0.3 },
  { type: 'dense', units: 16, activation: 'tanh' },
  { type: 'dense', units: 12, activation: 'linear' },
  { type: 'activation', activation: 'sigmoid' },
  { type: 'dropout', rate: 0.1 },
  { type: 'dense', units: 4, activation: 'softmax' },
];

const CASES: Case[] = [
  { name: 'MLP (relu, tanh, sigmoid layer, dropout), RMSprop', layers: MLP, input: { shape: [12] }, output: { units: 4, targets: 'classes' }, optimizer: { name: 'rmsprop' } },
  { name: 'MLP, RMSprop with momentum', layers: MLP, input: { shape: [12] }, output: { units: 4, targets: 'classes' }, optimizer: { name: 'rmsprop', momentum: 0.9 } },
  { name: 'MLP, Adam', layers: MLP, input: { shape: [12] }, output: { units: 4, targets: 'classes' }, optimizer: { name: 'adam', learningRate: 0.01 } },
  { name: 'MLP, SGD', layers: MLP, input: { shape: [12] }, output: { units: 4, targets: 'classes' }, optimizer: { name: 'sgd', learningRate: 0.1 } },
  { name: 'MLP, Keras Adadelta', layers: MLP, input: { shape: [12] }, output: { units: 4, targets: 'classes' }, optimizer: { name: 'adadelta', learningRate: 0.5 } },
  {
    name: 'CNN (same padding, stride 2, valid sigmoid conv, pooling), Adadelta',
    layers: [
      { type: 'conv2d', filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 6, kernelSize: [2, 3], strides: 1, padding: 'valid', activation: 'sigmoid' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    input: { shape: [11, 10, 2] },
    output: { units: 3, targets: 'classes' },
    optimizer: { name: 'adadelta', learningRate: 0.1 },
  },
  {
    name: 'binary sigmoid output, Adam',
    layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 1, activation: 'sigmoid' }],
    input: { shape: [5] },
    output: { units: 1, targets: 'binary' },
    optimizer: { name: 'adam', learningRate: 0.01 },
  },
  {
    name: 'three sigmoid outputs, RMSprop',
    layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 3, activation: 'sigmoid' }],
    input: { shape: [5] },
    output: { units: 3, targets: 'binary' },
    optimizer: { name: 'rmsprop' },
  },
  {
    name: 'linear output (squared error), SGD',
    layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2, activation: 'linear' }],
    input: { shape: [5] },
    output: { units: 2, targets: 'real' },
    optimizer: { name: 'sgd', learningRate: 0.05 },
  },
  {
    name: 'embedding, global average pooling, Adam',
    layers: [
      { type: 'embedding', outputDim: 6 },
      { type: 'globalAveragePooling1d' },
      { type: 'dense', units: 5, activation: 'relu' },
      { type: 'dense', units: 3, activation: 'softmax' },
    ],
    input: { shape: [9], ids: 30 },
    output: { units: 3, targets: 'classes' },
    optimizer: { name: 'adam', learningRate: 0.01 },
  },
];

const N = 40;

function split(c: Case, seed: string): DataSplit {
  const rng = new Rng(seed);
  const width = c.input.shape.reduce((a, b) => a * b, 1);
  const x = c.input.ids ? Int32Array.from({ length: N * width }, () => rng.int(c.input.ids!)) : Float32Array.from({ length: N * width }, () => rng.next() * 2 - 1);
  const labels = Int32Array.from({ length: N }, () => rng.int(c.output.units));
  const y = c.output.targets === 'classes'
    ? oneHot(labels, c.output.units)
    : Float32Array.from({ length: N * c.output.units }, () => (c.output.targets === 'binary' ? (rng.next() < 0.5 ? 1 : 0) : rng.next() * 4 - 2));
  return { x, y, labels, n: N };
}

function open(c: Case, planned = true): { session: TrainingSession; train: DeviceSplit; dispose(): void } {
  const train = toDevice(split(c, c.name), c.input.ids ? 'int32' : 'float32');
  const model = buildModel(c.layers, { inputShape: c.input.shape, inputDtype: c.input.ids ? 'int32' : 'float32', vocabSize: c.input.ids, seed: 3, dropoutRng: new Rng('dropout') });
  const session = new TrainingSession(model, createOptimizer(c.optimizer), train, { planned });
  return { session, train, dispose: () => { session.dispose(); disposeSplit(train); } };
}

/** The steps of the short run: plain, weighted, top-q, on varying rows (repeats included). */
function plan(step: number): { indices: Int32Array; weights: Float32Array | null; topQ?: number } {
  const rng = new Rng(`rows/${step}`);
  const indices = rng.uniformIndices(N, 12);
  if (step % 3 === 1) return { indices, weights: Float32Array.from(indices, () => 0.25 + rng.next() * 2) };
  if (step % 3 === 2) return { indices, weights: Float32Array.from(indices, () => 0.5 + rng.next()), topQ: 5 };
  return { indices, weights: null };
}

/** max |a - b| / max |b| (1 when b is all zeros): the error relative to the values' scale. */
function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return Number.isNaN(diff) || a.length !== b.length ? Infinity : diff / (scale || 1);
}

interface Run {
  steps: StepResult[];
  weights: Float32Array[];
  slots: Float32Array[];
  iterations: number;
  loss: Float32Array;
  gnorm: Float32Array;
  evaluation: { loss: number; accuracy: number; mae?: number };
}

const STEPS = 6;

async function run(c: Case, backend: 'cpu' | 'wasm', planned = true, rateAt?: (step: number) => number): Promise<Run> {
  await tf.setBackend(backend);
  const { session, train, dispose } = open(c, planned);
  const steps: StepResult[] = [];
  for (let s = 0; s < STEPS; s++) {
    if (rateAt) setLearningRate(session.optimizer, rateAt(s));
    const p = plan(s);
    steps.push(session.trainStep(p.indices, p.weights, p.topQ));
  }
  const all = Int32Array.from({ length: N }, (_, i) => i);
  const optimizerWeights = await session.optimizer.getWeights();
  const result: Run = {
    steps,
    weights: session.model.logits.getWeights().map((w) => w.dataSync() as Float32Array),
    slots: optimizerWeights.filter((w) => w.name !== 'iter').map((w) => w.tensor.dataSync() as Float32Array),
    iterations: (session.optimizer as unknown as { iterations: number }).iterations,
    loss: session.score(all, 'loss'),
    gnorm: session.score(all, 'gnorm'),
    evaluation: session.evaluate(train),
  };
  optimizerWeights.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
  dispose();
  return result;
}

/** Differences beyond the tolerance between two runs, as readable lines. */
function differences(a: Run, b: Run): string[] {
  const out: string[] = [];
  const check = (what: string, x: ArrayLike<number>, y: ArrayLike<number>) => {
    const e = relative(x, y);
    if (!(e <= TOLERANCE)) out.push(`${what}: relative error ${e.toExponential(2)}`);
  };
  a.steps.forEach((s, i) => {
    check(`step ${i + 1} objective`, [s.objective], [b.steps[i].objective]);
    check(`step ${i + 1} losses`, s.scores.loss, b.steps[i].scores.loss);
    check(`step ${i + 1} gnorm`, s.scores.gnorm, b.steps[i].scores.gnorm);
    if (s.scores.correct.some((v, j) => v !== b.steps[i].scores.correct[j])) out.push(`step ${i + 1}: correctness differs`);
  });
  a.weights.forEach((w, i) => check(`weight ${i}`, w, b.weights[i]));
  a.slots.forEach((w, i) => check(`optimizer slot ${i}`, w, b.slots[i]));
  if (a.slots.length !== b.slots.length) out.push(`${a.slots.length} optimizer slots vs ${b.slots.length}`);
  if (a.iterations !== b.iterations) out.push(`iterations ${a.iterations} vs ${b.iterations}`);
  check('scored losses', a.loss, b.loss);
  check('scored gnorm', a.gnorm, b.gnorm);
  // regression: accuracy is NaN, the mean absolute error stands in its place
  check('evaluation', [a.evaluation.loss, a.evaluation.mae ?? a.evaluation.accuracy], [b.evaluation.loss, b.evaluation.mae ?? b.evaluation.accuracy]);
  return out;
}

/** Counts the calls of the native plan's methods while `body` runs. */
async function planCalls<T>(body: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const proto = (addon!.StepPlan as unknown as { prototype: NativeStepPlanHandle }).prototype;
  const spies = (['trainForward', 'trainBackward', 'infer'] as const).map((m) => jest.spyOn(proto, m));
  try {
    const result = await body();
    return { result, calls: spies.reduce((s, spy) => s + spy.mock.calls.length, 0) };
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
}

suite('planned training step', () => {
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
  });
  afterAll(() => disableNativeKernels());

  test.each(CASES.map((c) => [c.name, c] as const))('%s: same run as tfjs cpu', async (_name, c) => {
    const { result: planned, calls } = await planCalls(() => run(c, 'wasm'));
    // trainForward and trainBackward per step, infer for the two scores and the evaluation (a
    // regression's evaluation, with its mean absolute error, is tfjs's)
    expect(calls).toBe(2 * STEPS + (c.output.targets === 'real' ? 2 : 3));
    const cpu = await run(c, 'cpu');
    expect(differences(planned, cpu)).toEqual([]);
  });

  // schedules and ordered SGD change the optimizer's rate between steps: the planned step follows it
  test.each(CASES.filter((c) => /^MLP, (RMSprop|Adam|SGD)$/.test(c.name) || c.name.startsWith('CNN')).map((c) => [c.name, c] as const))(
    '%s: a learning rate changed between steps is the one the planned step uses',
    async (_name, c) => {
      const base = c.optimizer.learningRate ?? (c.optimizer.name === 'adadelta' ? 1 : 0.001);
      const rateAt = (step: number) => base * (step < 3 ? 1 : 0.1) * (1 + step / 10);
      const reference = await run(c, 'cpu', true, rateAt);
      const planned = await run(c, 'wasm', true, rateAt);
      expect(differences(planned, reference)).toEqual([]);
      // and the change matters: a run at the constant rate ends elsewhere
      const constant = await run(c, 'wasm', true);
      expect(differences(constant, reference)).not.toEqual([]);
    },
  );

  test('the planned step equals tfjs\'s step on the same backend', async () => {
    const c = CASES[0];
    const planned = await run(c, 'wasm');
    const { result: unplanned, calls } = await planCalls(() => run(c, 'wasm', false));
    expect(calls).toBe(0);
    expect(differences(planned, unplanned)).toEqual([]);
  });

  test.each([
    ['an activation it does not plan (elu)', { ...CASES[0], layers: [{ type: 'dense', units: 8, activation: 'elu' }, { type: 'dense', units: 4, activation: 'softmax' }] } as Case],
    ['an optimizer it does not plan (Adagrad)', { ...CASES[0], optimizer: { name: 'adagrad' } } as Case],
    ['SGD with momentum', { ...CASES[0], optimizer: { name: 'sgd', momentum: 0.9 } } as Case],
    ['a layer it does not plan (batchNormalization)', { ...CASES[0], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'batchNormalization', momentum: 0.9, epsilon: 0.001 }, { type: 'dense', units: 4, activation: 'softmax' }] } as Case],
    ['layers it does not plan (conv1d, maxPooling1d, globalMaxPooling1d)', { ...CASES[0], input: { shape: [8, 2] }, layers: [{ type: 'conv1d', filters: 3, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' }, { type: 'maxPooling1d', poolSize: 2 }, { type: 'globalMaxPooling1d' }, { type: 'dense', units: 4, activation: 'softmax' }] } as Case],
    ['a layer it does not plan (lstm)', { ...CASES[0], input: { shape: [5, 2] }, layers: [{ type: 'lstm', units: 4, returnSequences: false }, { type: 'dense', units: 4, activation: 'softmax' }] } as Case],
  ])('%s: tfjs\'s step, as before', async (_name, c) => {
    const { result: wasm, calls } = await planCalls(() => run(c, 'wasm'));
    expect(calls).toBe(0);
    const cpu = await run(c, 'cpu');
    expect(differences(wasm, cpu)).toEqual([]);
  });

  test('without the native kernels tfjs\'s step runs', async () => {
    disableNativeKernels();
    try {
      const { calls } = await planCalls(() => run(CASES[0], 'wasm'));
      expect(calls).toBe(0);
    } finally {
      expect(enableNativeKernels()).not.toBeNull();
    }
  });

  test('repeated planned steps, scoring and evaluation leak neither tensors nor wasm heap', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array }; numDataIds(): number };
    for (const c of [CASES[0], CASES[5], CASES[9]]) {
      const { session, train, dispose } = open(c);
      const round = (s: number) => {
        const p = plan(s);
        session.trainStep(p.indices, p.weights, p.topQ);
        session.score(p.indices, 'gnorm');
        session.evaluate(train);
      };
      for (let s = 0; s < 3; s++) round(s);
      const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
      for (let s = 3; s < 9; s++) round(s);
      const after = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
      expect(after).toEqual(before);
      dispose();
    }
  });

  test('a tensor sharing a weight\'s memory keeps its values when the weight is updated in place', async () => {
    await tf.setBackend('wasm');
    const { session, dispose } = open(CASES[0]);
    const kernel = session.model.logits.trainableWeights[0].read();
    // The native Identity kernel shares memory: the clone and the variable hold one buffer.
    const clone = tf.clone(kernel);
    const before = clone.dataSync().slice();
    const p = plan(0);
    session.trainStep(p.indices, p.weights);
    expect(Array.from(clone.dataSync())).toEqual(Array.from(before));
    expect(relative(session.model.logits.trainableWeights[0].read().dataSync(), before)).toBeGreaterThan(0);
    clone.dispose();
    dispose();
  });

  test('an embedding id outside the vocabulary fails the step before anything is updated', async () => {
    await tf.setBackend('wasm');
    const c = CASES[9];
    const data = split(c, 'bad');
    (data.x as Int32Array)[5] = 30;
    const train = toDevice(data, 'int32');
    const model = buildModel(c.layers, { inputShape: c.input.shape, inputDtype: 'int32', vocabSize: 30, seed: 3, dropoutRng: new Rng('d') });
    const session = new TrainingSession(model, createOptimizer(c.optimizer), train);
    const before = model.logits.getWeights().map((w) => w.dataSync().slice());
    expect(() => session.trainStep(Int32Array.from([0, 1]), null)).toThrow(/index value 30 is not in \[0, 29\]/);
    expect(model.logits.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before.map((w) => Array.from(w)));
    session.dispose();
    disposeSplit(train);
  });

  test('stop mid-epoch and resume on wasm: metrics equal an uninterrupted run', async () => {
    const cfg = resolveExperiment(
      smallExperiment({
        epochs: 3,
        optimizer: { name: 'rmsprop' },
        model: { layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 3, activation: 'softmax' }] },
        arms: [
          { name: 'uniform', strategy: 'uniform' },
          { name: 'importance', strategy: 'upper-bound', presample: 3, tau_th: 1.0001 },
        ],
      }),
      'test',
    );
    const metrics = (dir: string, arm: string) =>
      (parse(fs.readFileSync(path.join(dir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[])
        .map((r) => ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'tau'].map((m) => r[m]));
    const { result: full, calls } = await planCalls(() => runExperiment(cfg, { backend: 'wasm', outDir: tempDir() }));
    expect(calls).toBeGreaterThan(0);
    let steps = 0;
    const perEpoch = Math.floor(300 / 16);
    const cut = await runExperiment(cfg, { backend: 'wasm', outDir: tempDir(), shouldStop: () => ++steps > perEpoch * 2 + 7 });
    expect(cut.summary.status).toBe('interrupted');
    const resumed = await resumeExperiment(cut.dir, { backend: 'wasm' });
    expect(resumed.summary.status).toBe('finished');
    for (const arm of ['uniform', 'importance']) expect(metrics(resumed.dir, arm)).toEqual(metrics(full.dir, arm));
  });
});
