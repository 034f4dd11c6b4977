import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { importanceTraining } from '../src/campaign/importance-training';
import { resolveExperiment } from '../src/config/load';
import { loadDataset } from '../src/data/registry';
import { UserError } from '../src/errors';
import { buildModel } from '../src/models/build';
import { builtFromLayersModel, cloneLayersModel } from '../src/models/from-layers-model';
import { loadNativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import { PlannedTraining } from '../src/train/native-step';
import { createOptimizer } from '../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession } from '../src/train/session';
import { Rng } from '../src/rng';
import { strategyNames } from '../src/sampling/registry';
import { EPOCH_COLUMNS, silentEvents, type EpochRecord } from '../src/spec';
import { runExperiment } from '../src/train/experiment';
import { getZooModel } from '../src/models/zoo';
import { smallExperiment, tempDir } from './helpers/cli';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Three Gaussian blobs in 4 dimensions, seeded: class c sits around (2c, -2c, c, 0). */
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor2D; labels: number[] } {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, () => rng.int(3));
  const rows = labels.map((c) => [2 * c, -2 * c, c, 0].map((m) => m + (rng.next() - 0.5)));
  return { x: tf.tensor2d(rows), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D, labels };
}

function denseSoftmaxModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
}

const weightValues = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));

describe('importanceTraining(model).fit', () => {
  test.each(['uniform', 'upper-bound'])('%s: trains the model itself, returns a Keras-like history, calls the callbacks, leaks no tensors', async (strategy) => {
    const { x, y } = blobs(170, 3);
    const model = denseSoftmaxModel();
    const start = weightValues(model);
    const before = tf.memory().numTensors;
    const epochs: number[] = [];
    const records: EpochRecord[] = [];
    let batches = 0;
    const history = await importanceTraining(model, { strategy, backend: 'cpu', seed: 5 }).fit(x, y, {
      batchSize: 16,
      epochs: 3,
      validationData: [x, y],
      callbacks: {
        onEpochEnd: (e, r) => {
          epochs.push(e);
          records.push(r);
        },
        onBatchEnd: () => batches++,
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(weightValues(model)).not.toEqual(start);
    expect(history.status).toBe('finished');
    expect(history.epoch).toEqual([0, 1, 2]);
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const) expect(history.history[key]).toHaveLength(3);
    // the callback saw what the history holds, one record per epoch with every CSV column
    expect(epochs).toEqual([0, 1, 2]);
    expect(records.map((r) => r.epoch)).toEqual([1, 2, 3]);
    for (const r of records) for (const c of EPOCH_COLUMNS) expect(typeof r[c]).toBe('number');
    expect(history.history.loss).toEqual(records.map((r) => r.loss));
    expect(history.history.val_accuracy).toEqual(records.map((r) => r.val_accuracy));
    expect(batches).toBe(records.reduce((a, r) => a + r.steps, 0));
    // blobs 2 apart with noise of width 1 are separable: three epochs of adam learn something
    expect(history.history.val_loss![2]).toBeLessThan(history.history.val_loss![0]);
    // the strategy is the one asked for: the reference's upper-bound sampler runs N // b steps and
    // keeps tau; uniform sampling trains the partial last batch too, as Keras' fit does
    expect(records[0].steps).toBe(strategy === 'uniform' ? Math.ceil(170 / 16) : Math.floor(170 / 16));
    expect(Number.isNaN(records[2].tau)).toBe(strategy === 'uniform');
    model.dispose();
    x.dispose();
    y.dispose();
  });

  test('gives the same losses as a config-driven run with the same seed, data and initial weights', async () => {
    const cfg = resolveExperiment(
      smallExperiment({ epochs: 2, seed: 4, arms: [{ name: 'importance', strategy: 'upper-bound', presample: 3 }] }),
      'test',
    );
    const fromConfig: EpochRecord[] = [];
    await runExperiment(cfg, { backend: 'cpu', outDir: tempDir(), checkpoint: false, events: { ...silentEvents, armEpochEnd: (_a, r) => r && fromConfig.push(r) } });

    const ds = await loadDataset(cfg.dataset, { seed: cfg.seed, log: () => {} });
    const layers = getZooModel('tiny-mlp').layers({ numClasses: ds.numClasses, outputUnits: ds.numClasses, outputActivation: 'softmax' });
    const built = buildModel(layers, { inputShape: ds.inputShape, inputDtype: ds.inputDtype, seed: cfg.seed, dropoutRng: Rng.forRole(cfg.seed, 'dropout') });
    const x = tf.tensor2d(ds.train.x, [ds.train.n, ds.inputShape[0]]);
    const y = tf.tensor2d(ds.train.y, [ds.train.n, ds.numClasses]);
    const vx = tf.tensor2d(ds.validation.x, [ds.validation.n, ds.inputShape[0]]);
    const vy = tf.tensor2d(ds.validation.y, [ds.validation.n, ds.numClasses]);
    const history = await importanceTraining(built.display, { strategy: 'upper-bound', presample: 3, seed: cfg.seed, optimizer: cfg.optimizer, backend: 'cpu' }).fit(x, y, {
      batchSize: cfg.batchSize,
      epochs: cfg.epochs,
      validationData: [vx, vy],
    });
    const pick = (rs: EpochRecord[]) => rs.map((r) => [r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.steps, r.forward_samples, r.is_active, r.tau]);
    expect(pick(history.records)).toEqual(pick(fromConfig));
    [x, y, vx, vy].forEach((t) => t.dispose());
    built.logits.dispose();
  });

  test('prints nothing unless verbose', async () => {
    const { x, y } = blobs(64, 4);
    const model = denseSoftmaxModel();
    const trainer = importanceTraining(model, { backend: 'cpu' });
    const spies = [
      jest.spyOn(process.stdout, 'write'),
      jest.spyOn(process.stderr, 'write'),
      ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => jest.spyOn(console, m)),
    ];
    try {
      await trainer.fit(x, y, { batchSize: 16, epochs: 2, validationData: [x, y] });
      spies.forEach((s) => expect(s).not.toHaveBeenCalled());
      // verbose: one line per epoch on stdout
      const out = spies[0].mockImplementation(() => true);
      await trainer.fit(x, y, { batchSize: 16, epochs: 2, verbose: 1 });
      const lines = out.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('Epoch '));
      expect(lines).toHaveLength(2);
      expect(lines[1]).toMatch(/^Epoch 2\/2 upper-bound 4\/4 .*loss: /);
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    [model, x, y].forEach((t) => t.dispose());
  });

  test('a compiled model trains with its own optimizer; model.stopTraining in a callback ends the fit', async () => {
    const { x, y } = blobs(64, 5);
    const model = denseSoftmaxModel();
    const sgd = tf.train.sgd(0.5);
    model.compile({ optimizer: sgd, loss: 'categoricalCrossentropy' });
    const history = await importanceTraining(model, { strategy: 'uniform', backend: 'cpu' }).fit(x, y, {
      batchSize: 16,
      epochs: 5,
      callbacks: { onEpochEnd: (e) => (model.stopTraining = e === 1) },
    });
    expect(history.epoch).toEqual([0, 1]);
    expect(history.status).toBe('interrupted');
    expect(history.history.val_loss).toBeUndefined();
    // the model's optimizer is still the caller's and still usable
    expect(model.optimizer).toBe(sgd);
    const keras = await model.fit(x, y, { epochs: 1, verbose: 0 });
    expect(Number.isFinite(keras.history.loss[0] as number)).toBe(true);
    [model, x, y].forEach((t) => t.dispose());
  });

  test('class ids as targets are one-hot encoded for a softmax model; a sigmoid model takes 0/1 targets', async () => {
    const { x, labels } = blobs(64, 6);
    const model = denseSoftmaxModel();
    const ids = await importanceTraining(model, { strategy: 'uniform', backend: 'cpu', seed: 2 }).fit(x, labels, { batchSize: 16, epochs: 1, validationData: [x, labels] });
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const model2 = denseSoftmaxModel();
    const rows = await importanceTraining(model2, { strategy: 'uniform', backend: 'cpu', seed: 2 }).fit(x, oneHot, { batchSize: 16, epochs: 1, validationData: [x, oneHot] });
    expect(ids.history.val_loss).toEqual(rows.history.val_loss);

    const binary = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 1, activation: 'sigmoid', kernelInitializer: 'zeros' })] });
    const targets = labels.map((c) => (c === 0 ? 0 : 1));
    const h = await importanceTraining(binary, { backend: 'cpu', optimizer: { name: 'adam', learningRate: 0.05 } }).fit(x, targets, { batchSize: 16, epochs: 10, validationData: [x, targets] });
    // class 0 sits at the origin, the others along (2, -2, 1, 0): a line separates them
    expect(h.history.val_accuracy![9]).toBeGreaterThan(0.9);
    expect(h.history.val_loss![9]).toBeLessThan(h.history.val_loss![0]);
    [model, model2, binary, x, oneHot].forEach((t) => t.dispose());
  });

  test('a model over token ids (int32 input) takes whole numbers; a fraction among them is a UserError', async () => {
    const input = tf.input({ shape: [5], dtype: 'int32' });
    const pooled = tf.layers.globalAveragePooling1d().apply(tf.layers.embedding({ inputDim: 20, outputDim: 4 }).apply(input)) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor });
    const rng = new Rng(3);
    const ids = Array.from({ length: 40 }, () => Array.from({ length: 5 }, () => rng.int(20)));
    const labels = ids.map((row) => (row[0] < 10 ? 0 : 1));
    const h = await importanceTraining(model, { strategy: 'upper-bound', backend: 'cpu' }).fit(ids, labels, { batchSize: 8, epochs: 2, validationData: [ids, labels] });
    expect(h.status).toBe('finished');
    expect(h.records[1].steps).toBe(5);
    ids[3][2] = 2.5;
    await expect(importanceTraining(model, { backend: 'cpu' }).fit(ids, labels)).rejects.toThrow(/fit: training x: value 17 is 2\.5; the model takes int32 token ids/);
    model.dispose();
  });

  test('the logits of a Dense softmax layer give the model its own predictions back', () => {
    const model = denseSoftmaxModel();
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 7);
    // fit reads the logits through the caller's Dense kernel and bias: softmax(logits) is the model
    const built = builtFromLayersModel(model, 'test', { borrowed: true });
    const viaLogits = tf.softmax(built.logits.predict(x) as tf.Tensor2D);
    const direct = model.predict(x) as tf.Tensor2D;
    expect(Array.from(viaLogits.dataSync()).map((v) => v.toFixed(6))).toEqual(Array.from(direct.dataSync()).map((v) => v.toFixed(6)));
    // the same variables, not copies: training the logits trains the caller's model
    expect(built.logits.trainableWeights).toHaveLength(4);
    built.logits.trainableWeights.forEach((w, i) => expect(w.read()).toBe(model.trainableWeights[i].read()));
    [model, x, viaLogits, direct].forEach((t) => t.dispose());
  });

  test('every strategy of the registry runs behind the same call', async () => {
    const { x, y } = blobs(96, 8);
    const before = tf.memory().numTensors;
    for (const strategy of strategyNames()) {
      const model = denseSoftmaxModel();
      const h = await importanceTraining(model, { strategy, backend: 'cpu' }).fit(x, y, { batchSize: 16, epochs: 2, validationData: [x, y] });
      expect([strategy, h.status, h.epoch]).toEqual([strategy, 'finished', [0, 1]]);
      model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    y.dispose();
  });

  const native = loadNativeAddon().addon && process.env.IS_BENCH_NATIVE !== '0';
  (native ? describe : describe.skip)('on wasm with the native kernels', () => {
    beforeAll(async () => {
      setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
      await tf.setBackend('wasm');
      expect(enableNativeKernels()).not.toBeNull();
    });
    afterAll(async () => {
      disableNativeKernels();
      await tf.setBackend('cpu');
    });

    test('the logits of a Dense softmax model take the planned step, and it is tfjs\'s step', () => {
      const model = denseSoftmaxModel();
      const copy = cloneLayersModel(model, model.getWeights(), 'test');
      const planned = builtFromLayersModel(model, 'test', { borrowed: true });
      const stock = builtFromLayersModel(copy, 'test', { borrowed: true });
      const plan = PlannedTraining.create(planned, createOptimizer({ name: 'adam' }));
      expect(plan).toBeDefined();
      const { x, labels } = blobs(32, 9);
      const split = { x: x.dataSync() as Float32Array, y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3).dataSync() as Float32Array, labels: Int32Array.from(labels), n: 32 };
      const train = toDevice(split, 'float32');
      const a = new TrainingSession(planned, createOptimizer({ name: 'adam', learningRate: 0.01 }), train);
      const b = new TrainingSession(stock, createOptimizer({ name: 'adam', learningRate: 0.01 }), train, { planned: false });
      for (let step = 0; step < 4; step++) {
        const indices = new Rng(step).uniformIndices(32, 8);
        const ra = a.trainStep(indices, null);
        const rb = b.trainStep(indices, null);
        expect(Math.abs(ra.objective - rb.objective)).toBeLessThan(1e-5 * Math.max(1, Math.abs(rb.objective)));
        ra.scores.gnorm.forEach((g, i) => expect(Math.abs(g - rb.scores.gnorm[i])).toBeLessThan(1e-5));
      }
      const wa = model.getWeights().map((w) => Array.from(w.dataSync()));
      const wb = copy.getWeights().map((w) => Array.from(w.dataSync()));
      wa.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - wb[i][j])).toBeLessThan(1e-5)));
      [a.optimizer, b.optimizer].forEach((o) => o.dispose());
      disposeSplit(train);
      [model, copy, x].forEach((t) => t.dispose());
    });
  });

  describe('bad input is a UserError naming what is wrong', () => {
    let model: tf.Sequential;
    beforeAll(() => {
      model = denseSoftmaxModel();
    });
    const x = [[0, 0, 0, 0]];
    const cases: [string, () => unknown, RegExp][] = [
      ['unknown strategy', () => importanceTraining(model, { strategy: 'magic' }), /importanceTraining options\.strategy must be one of uniform, upper-bound/],
      ['bad strategy parameter', () => importanceTraining(model, { presample: 'three' }), /importanceTraining options\.presample must be/],
      ['unknown strategy parameter', () => importanceTraining(model, { presampel: 3 }), /unknown key "presampel"/],
      ['bad seed', () => importanceTraining(model, { seed: -1 }), /importanceTraining options\.seed/],
      ['bad backend', () => importanceTraining(model, { backend: 'gpu' as never }), /importanceTraining options\.backend/],
      ['not a model', () => importanceTraining({} as tf.LayersModel), /expected a tf\.LayersModel/],
      [
        'no softmax or sigmoid at the end',
        () => importanceTraining(tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'relu' })] })),
        /last layer is dense_\w+ \(Dense, activation relu\); it must be a Dense or Activation layer with activation softmax/,
      ],
    ];
    test.each(cases)('%s', (_name, call, message) => {
      expect(call).toThrow(UserError);
      expect(call).toThrow(message);
    });

    const fitCases: [string, () => Promise<unknown>, RegExp][] = [
      ['batch size 0', () => importanceTraining(model).fit(x, [0], { batchSize: 0 }), /fit options\.batchSize must be/],
      ['unknown fit option', () => importanceTraining(model).fit(x, [0], { epoch: 2 } as never), /unknown key "epoch"/],
      ['x of another width', () => importanceTraining(model).fit([[1, 2]], [0]), /fit: training x: each sample has shape \[2\], but the model takes \[4\]/],
      ['fewer targets than samples', () => importanceTraining(model).fit([x[0], x[0]], [0]), /fit: training y: 1 targets for 2 samples/],
      ['class id out of range', () => importanceTraining(model).fit(x, [3]), /fit: training y: sample 0 has class 3; class ids are whole numbers from 0 to 2/],
      ['ragged x', () => importanceTraining(model).fit([[1, 2, 3, 4], [1]], [0, 1]), /fit: x\[1\]: 1 values, where the first row of this level has 4; every row must have the same length/],
      ['a string among the numbers', () => importanceTraining(model).fit([[0, 0, 'a', 0]], [0]), /fit: x\[0\]\[2\] is "a"; expected a number/],
      ['batch larger than the data', () => importanceTraining(model, { backend: 'cpu' }).fit(x, [0], { batchSize: 2 }), /batchSize 2 is larger than the 1 training samples/],
    ];
    test.each(fitCases)('fit: %s', async (_name, call, message) => {
      const before = tf.memory().numTensors;
      await expect(call()).rejects.toThrow(UserError);
      await expect(call()).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
    });

    test('a compiled loss that does not fit the output', () => {
      const m = denseSoftmaxModel();
      m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
      expect(() => importanceTraining(m)).toThrow(/compiled with loss "meanSquaredError", but its softmax output is trained with categorical_crossentropy/);
      m.dispose();
    });
  });
});
