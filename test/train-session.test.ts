import * as tf from '@tensorflow/tfjs';
import { makeBlobs } from '../src/data/synthetic';
import { buildModel } from '../src/models/build';
import { getZooModel } from '../src/models/zoo';
import { Rng } from '../src/rng';
import { createOptimizer } from '../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession } from '../src/train/session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function session(lr = 0.01) {
  const d = makeBlobs({ train: 200, test: 50, features: 6, classes: 3, separation: 1 }, 3);
  const train = toDevice(d.train, 'float32');
  const model = buildModel(getZooModel('tiny-mlp').layers({ numClasses: 3, outputUnits: 3, outputActivation: 'softmax' }), {
    inputShape: [6],
    inputDtype: 'float32',
    seed: 5,
    dropoutRng: new Rng(5),
  });
  return { s: new TrainingSession(model, createOptimizer({ name: 'sgd', learningRate: lr }), train), train };
}

test('the objective is the weighted mean of per-sample losses', () => {
  const { s, train } = session();
  const idx = Int32Array.from([0, 1, 2, 3]);
  const w = Float32Array.from([1, 2, 0.5, 0]);
  const r = s.trainStep(idx, w);
  const expected = r.scores.loss.reduce((a, l, i) => a + l * w[i], 0) / 4;
  expect(r.objective).toBeCloseTo(expected, 5);
  s.dispose();
  disposeSplit(train);
});

test('topQ trains on the mean of the q largest losses, and only they move the weights', () => {
  const { s, train } = session();
  const idx = Int32Array.from([0, 1, 2, 3, 4, 5]);
  const before = s.model.logits.getWeights().map((t) => t.dataSync().slice());
  const r = s.trainStep(idx, null, 2);
  const top2 = [...r.scores.loss].sort((a, b) => b - a).slice(0, 2);
  expect(r.objective).toBeCloseTo((top2[0] + top2[1]) / 2, 5);
  const after = s.model.logits.getWeights().map((t) => t.dataSync().slice());
  expect(after.some((w, i) => w.some((v, j) => v !== before[i][j]))).toBe(true);

  // the same step on only the two hardest samples gives the same update
  const { s: s2, train: t2 } = session();
  const hardest = Int32Array.from([...r.scores.loss.keys()].sort((a, b) => r.scores.loss[b] - r.scores.loss[a]).slice(0, 2));
  s2.trainStep(hardest, null);
  const direct = s2.model.logits.getWeights().map((t) => t.dataSync());
  after.forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(direct[i][j], 5)));
  [s, s2].forEach((x) => x.dispose());
  [train, t2].forEach(disposeSplit);
});

test('scoring is inference mode and leaves no tensors behind', () => {
  const { s, train } = session();
  const n0 = tf.memory().numTensors;
  const a = s.score(Int32Array.from([0, 5, 9]), 'loss');
  const b = s.score(Int32Array.from([0, 5, 9]), 'loss');
  expect(Array.from(a)).toEqual(Array.from(b));
  s.score(Int32Array.from([1, 2]), 'full_gnorm');
  s.trainStep(Int32Array.from([1, 2, 3]), null);
  expect(tf.memory().numTensors).toBe(n0);
  s.dispose();
  disposeSplit(train);
});

test('a step that need not compute the gradient-norm bound trains the same and leaves NaN in its place', () => {
  const a = session();
  const b = session();
  const idx = Int32Array.from([0, 3, 7, 9]);
  const w = Float32Array.from([1, 0.5, 2, 1]);
  for (let i = 0; i < 3; i++) {
    const full = a.s.trainStep(idx, w);
    const lean = b.s.trainStep(idx, w, undefined, { gnorm: false });
    expect(lean.objective).toBe(full.objective);
    expect(Array.from(lean.scores.loss)).toEqual(Array.from(full.scores.loss));
    expect(Array.from(lean.scores.correct)).toEqual(Array.from(full.scores.correct));
    expect(Array.from(lean.scores.gnorm).every(Number.isNaN)).toBe(true);
    expect(Array.from(full.scores.gnorm).every(Number.isFinite)).toBe(true);
  }
  [a, b].forEach((x) => {
    x.s.dispose();
    disposeSplit(x.train);
  });
});
