/**
 * The logits of the user's models: a final softmax/sigmoid inside a Dense (or in an Activation or
 * Softmax layer) is split off without changing the function, on sequential and functional models;
 * where it cannot be, the logits are recovered from the probabilities (losses exact, hand-checked),
 * the bound is marked missing, and a run that scores by it is refused naming score: loss.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment } from '../src/config/load';
import { UserError } from '../src/errors';
import { userModel, type UserModelOptions } from '../src/models/user-model';
import { Rng } from '../src/rng';
import { perSampleLoss } from '../src/train/losses';
import { runExperiment } from '../src/train/experiment';
import { tempDir } from './helpers/data-fixtures';
import { functionalClassifier, saveModelFiles, sequentialClassifier } from './helpers/model-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const options = (over: Partial<UserModelOptions> = {}): UserModelOptions => ({
  sampleShape: [4],
  inputDtype: 'float32',
  seed: 1,
  dropoutRng: new Rng('d'),
  initialWeights: 'file',
  logits: true,
  where: 'test model',
  ...over,
});

const input = () => tf.tensor2d(Array.from({ length: 40 }, (_, i) => Math.cos(i * 1.7) * 3), [10, 4]);

function withActivationLayer(layer: tf.layers.Layer): tf.LayersModel {
  const x = tf.input({ shape: [4] });
  const h = tf.layers.dense({ units: 6, activation: 'relu' }).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: 3 }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: layer.apply(z) as tf.SymbolicTensor });
}

describe.each([
  ['sequential Dense(softmax)', () => sequentialClassifier(4, 3), 'softmax'],
  ['functional Dense(softmax) after add + concatenate', () => functionalClassifier(4, 3), 'softmax'],
  ['functional Dense(sigmoid)', () => functionalClassifier(4, 2, 'sigmoid'), 'sigmoid'],
  ['a final Activation(softmax) layer', () => withActivationLayer(tf.layers.activation({ activation: 'softmax' })), 'softmax'],
  ['a final Softmax layer', () => withActivationLayer(tf.layers.softmax()), 'softmax'],
])('%s', (_name, make, activation) => {
  test('split into logits and the activation: identical predictions, a linear last logits layer', () => {
    const original = make();
    const m = userModel(original, options());
    expect(m.outputActivation).toBe(activation);
    expect(m.gnormBound).toBeUndefined();
    const x = input();
    const want = (original.predict(x) as tf.Tensor).dataSync();
    const shown = (m.display.predict(x) as tf.Tensor).dataSync();
    const z = m.logits.predict(x) as tf.Tensor2D;
    const again = (activation === 'softmax' ? tf.softmax(z) : tf.sigmoid(z)).dataSync();
    expect(Array.from(shown)).toEqual(Array.from(want));
    Array.from(again).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    // the logits are not probabilities: some are negative or above one
    expect(Array.from(z.dataSync()).some((v) => v < 0 || v > 1)).toBe(true);
    const last = m.logits.outputs[0].sourceLayer;
    expect((last.getConfig() as { activation?: string }).activation ?? 'linear').toBe('linear');
    m.logits.dispose();
    original.dispose();
    tf.dispose([x, z]);
  });
});

/** Dense(softmax) followed by a Reshape: the softmax cannot be split off the graph's output. */
function unsplittable(): tf.LayersModel {
  const x = tf.input({ shape: [4] });
  const p = tf.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.reshape({ targetShape: [3] }).apply(p) as tf.SymbolicTensor });
}

describe('a softmax that cannot be split off', () => {
  test('logits recovered from the probabilities: the loss is -log p of the true class, the bound marked missing', () => {
    const original = unsplittable();
    const m = userModel(original, options());
    expect(m.outputActivation).toBe('softmax');
    expect(m.gnormBound).toBe(false);
    const x = input();
    const p = (original.predict(x) as tf.Tensor2D).arraySync();
    const labels = p.map((_, i) => i % 3);
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D;
    const z = m.logits.predict(x) as tf.Tensor2D;
    const losses = perSampleLoss(z, y, 'softmax').dataSync();
    labels.forEach((c, i) => expect(losses[i]).toBeCloseTo(-Math.log(p[i][c]), 5));
    m.logits.dispose();
    tf.dispose([x, y, z]);
  });

  test('a sigmoid likewise: the loss is the binary cross-entropy of the probability', () => {
    const x0 = tf.input({ shape: [4] });
    const p0 = tf.layers.dense({ units: 1, activation: 'sigmoid' }).apply(x0) as tf.SymbolicTensor;
    const original = tf.model({ inputs: x0, outputs: tf.layers.reshape({ targetShape: [1] }).apply(p0) as tf.SymbolicTensor });
    const m = userModel(original, options());
    expect(m.outputActivation).toBe('sigmoid');
    expect(m.gnormBound).toBe(false);
    const x = input();
    const p = (original.predict(x) as tf.Tensor2D).arraySync().map((r) => r[0]);
    const labels = p.map((_, i) => i % 2);
    const y = tf.tensor2d(labels, [labels.length, 1]);
    const z = m.logits.predict(x) as tf.Tensor2D;
    const losses = perSampleLoss(z, y, 'sigmoid').dataSync();
    labels.forEach((t, i) => expect(losses[i]).toBeCloseTo(-(t * Math.log(p[i]) + (1 - t) * Math.log(1 - p[i])), 4));
    m.logits.dispose();
    tf.dispose([x, y, z]);
  });

  test('a run scoring by gnorm is refused naming score: loss; with score: loss it runs', async () => {
    const root = tempDir('isb-logits-');
    const file = await saveModelFiles(unsplittable(), root);
    const config = (score: string) =>
      resolveExperiment(
        {
          name: 'probs',
          dataset: { name: 'synthetic', features: 4, classes: 3, train: 64, test: 16 },
          model: { path: file },
          optimizer: { name: 'sgd', learningRate: 0.1 },
          loss: 'categorical_crossentropy',
          epochs: 1,
          batchSize: 8,
          arms: [{ name: 'uniform', strategy: 'uniform' }, { name: 'is', strategy: 'upper-bound', score }],
        },
        'exp.yaml',
      );
    const out = tempDir('isb-logits-out-');
    const err = await runExperiment(config('gnorm'), { backend: 'cpu', outDir: out, checkpoint: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^arms is: score gnorm needs the model's logits, .* set score: loss in this arm/);
    const { summary } = await runExperiment(config('loss'), { backend: 'cpu', outDir: out, checkpoint: false });
    expect(summary.status).toBe('finished');
  });
});
