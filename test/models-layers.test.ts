/**
 * The layers the layer list gained: each builds from its config, gets seeded (equal seeds equal
 * weights) and trains a step on tfjs's own step (the planned native step does not plan them),
 * its loss and weights moving, no tensors left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment } from '../src/config/load';
import type { LayerSpec } from '../src/config/schema';
import { buildModel, kernelsNeeded } from '../src/models/build';
import { Rng } from '../src/rng';
import { createOptimizer } from '../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession } from '../src/train/session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const head: LayerSpec[] = [{ type: 'dense', units: 3, activation: 'softmax' }];

/** [name, input shape, layers (the new layer in its usual place)]. */
const CASES: [string, number[], unknown[]][] = [
  ['batchNormalization', [6], [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'batchNormalization' }]],
  ['layerNormalization', [6], [{ type: 'dense', units: 8 }, { type: 'layerNormalization' }]],
  ['conv1d + maxPooling1d + globalMaxPooling1d', [8, 2], [{ type: 'conv1d', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling1d' }, { type: 'globalMaxPooling1d' }]],
  ['averagePooling2d + globalAveragePooling2d', [6, 6, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3 }, { type: 'averagePooling2d' }, { type: 'globalAveragePooling2d' }]],
  ['globalMaxPooling2d', [6, 6, 1], [{ type: 'conv2d', filters: 2, kernelSize: 3, padding: 'same' }, { type: 'globalMaxPooling2d' }]],
  ['lstm', [5, 2], [{ type: 'lstm', units: 4 }]],
  ['gru (returnSequences) + globalAveragePooling1d', [5, 2], [{ type: 'gru', units: 4, returnSequences: true }, { type: 'globalAveragePooling1d' }]],
];

function layersOf(specs: unknown[]): LayerSpec[] {
  const cfg = resolveExperiment(
    {
      name: 'l',
      dataset: { name: 'synthetic' },
      model: { layers: [...specs, ...head] },
      optimizer: { name: 'sgd' },
      loss: 'categorical_crossentropy',
      epochs: 1,
      batchSize: 4,
      arms: [{ name: 'u', strategy: 'uniform' }],
    },
    'layers.yaml',
  );
  return (cfg.model as { layers: LayerSpec[] }).layers;
}

describe.each(CASES)('%s', (_name, shape, specs) => {
  test('builds seeded from the config and trains a step', () => {
    const layers = layersOf(specs);
    const size = shape.reduce((a, b) => a * b, 1);
    const n = 8;
    const x = Float32Array.from({ length: n * size }, (_, i) => Math.sin(i * 0.37));
    const y = Float32Array.from({ length: n * 3 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const train = toDevice({ x, y, n, labels: Int32Array.from({ length: n }, (_, i) => i % 3) }, 'float32');
    const before = tf.memory().numTensors;
    const build = (seed: number) => buildModel(layers, { inputShape: shape, inputDtype: 'float32', seed, dropoutRng: new Rng('d') });
    const a = build(4);
    const twin = build(4);
    expect(twin.logits.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(a.logits.getWeights().map((w) => Array.from(w.dataSync())));
    twin.logits.dispose();
    const session = new TrainingSession(a, createOptimizer({ name: 'sgd', learningRate: 0.5 }), train);
    const start = a.logits.trainableWeights.map((w) => Array.from(w.read().dataSync()));
    const idx = Int32Array.from({ length: n }, (_, i) => i);
    const first = session.trainStep(idx, null);
    expect(Number.isFinite(first.objective)).toBe(true);
    for (let s = 0; s < 4; s++) session.trainStep(idx, null);
    const after = session.evaluate(train);
    expect(after.loss).toBeLessThan(first.objective);
    const moved = a.logits.trainableWeights.map((w, i) => Array.from(w.read().dataSync()).some((v, j) => v !== start[i][j]));
    expect(moved.every(Boolean)).toBe(true);
    session.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeSplit(train);
  });
});

test('the kernels the new convolution and pooling layers need are asked of the backend', () => {
  expect(kernelsNeeded(layersOf([{ type: 'conv1d', filters: 2, kernelSize: 2 }, { type: 'maxPooling1d' }, { type: 'flatten' }]))).toEqual(
    ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPool', 'MaxPoolGrad'],
  );
  expect(kernelsNeeded(layersOf([{ type: 'averagePooling2d' }, { type: 'flatten' }]))).toEqual(['AvgPool', 'AvgPoolGrad']);
});
