import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng';
import { correctPredictions, gradNormUpperBound, lossOfName, perSampleLoss } from '../src/train/losses';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** ||d(sum_i loss_i)/dz||_2 per row, by autodiff. */
function autodiffRowNorms(z: tf.Tensor2D, y: tf.Tensor2D, act: 'softmax' | 'sigmoid'): number[] {
  return tf.tidy(() => {
    const g = tf.grad((zz: tf.Tensor) => tf.sum(perSampleLoss(zz as tf.Tensor2D, y, act)))(z);
    return Array.from(tf.sqrt(tf.sum(tf.square(g), 1)).dataSync());
  });
}

describe('per-sample losses against hand-computed values', () => {
  test('categorical cross-entropy of softmax(z)', () => {
    // z = [0, ln 3]: softmax = [1/4, 3/4]; y = class 1 -> -ln(3/4)
    const z = tf.tensor2d([[0, Math.log(3)], [2, 2]]);
    const y = tf.tensor2d([[0, 1], [1, 0]]);
    const l = perSampleLoss(z, y, 'softmax').arraySync();
    expect(l[0]).toBeCloseTo(-Math.log(0.75), 5);
    expect(l[1]).toBeCloseTo(Math.log(2), 5);
  });

  test('binary cross-entropy of sigmoid(z)', () => {
    // sigmoid(0) = 0.5 -> ln 2 for either label; z = 2, y = 0 -> -ln(1 - sigmoid(2))
    const z = tf.tensor2d([[0], [2], [-3]]);
    const y = tf.tensor2d([[1], [0], [0]]);
    const l = perSampleLoss(z, y, 'sigmoid').arraySync();
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    expect(l[0]).toBeCloseTo(Math.log(2), 5);
    expect(l[1]).toBeCloseTo(-Math.log(1 - sig(2)), 5);
    expect(l[2]).toBeCloseTo(-Math.log(1 - sig(-3)), 5);
  });
});

describe('gnorm is the norm of the gradient of the loss w.r.t. the logits', () => {
  test('softmax + categorical cross-entropy: ||softmax(z) - y||, equal to autodiff', () => {
    const z = tf.tensor2d([[1.5, -0.3, 0.2, 2.0], [0, 0, 0, 0], [-4, 3, 0.5, 1]]);
    const y = tf.tensor2d([[0, 0, 0, 1], [1, 0, 0, 0], [1, 0, 0, 0]]);
    const g = Array.from(gradNormUpperBound(z, y, 'softmax').dataSync());
    const auto = autodiffRowNorms(z, y, 'softmax');
    g.forEach((v, i) => expect(v).toBeCloseTo(auto[i], 5));
    // row 2 by hand: softmax = 1/4 each, y = e0 -> sqrt(0.75^2 + 3 * 0.25^2)
    expect(g[1]).toBeCloseTo(Math.sqrt(0.75 ** 2 + 3 * 0.25 ** 2), 6);
  });

  test('sigmoid + binary cross-entropy: |sigmoid(z) - y|, equal to autodiff', () => {
    const z = tf.tensor2d([[0.7], [-2], [0]]);
    const y = tf.tensor2d([[1], [1], [0]]);
    const g = Array.from(gradNormUpperBound(z, y, 'sigmoid').dataSync());
    const auto = autodiffRowNorms(z, y, 'sigmoid');
    g.forEach((v, i) => expect(v).toBeCloseTo(auto[i], 5));
    expect(g[2]).toBeCloseTo(0.5, 6);
  });
});

test('correct predictions: argmax for classes, z > 0 for a sigmoid output', () => {
  const c = correctPredictions(tf.tensor2d([[2, 1], [0, 3]]), tf.tensor2d([[1, 0], [1, 0]]), 'softmax');
  expect(Array.from(c.dataSync())).toEqual([1, 0]);
  const b = correctPredictions(tf.tensor2d([[0.5], [-1], [2]]), tf.tensor2d([[1], [1], [0]]), 'sigmoid');
  expect(Array.from(b.dataSync())).toEqual([1, 0, 0]);
});

describe('regression losses and sparse cross-entropy', () => {
  const z = () => tf.tensor2d([[1, 2], [0.5, -3]]);
  const y = () => tf.tensor2d([[0, 4], [0.25, 1]]);

  test('mse, mae and huber per sample by hand (mean over the two outputs)', () => {
    // errors: row 0 [1, -2], row 1 [0.25, -4]
    const mse = perSampleLoss(z(), y(), lossOfName('mse')).arraySync();
    expect(mse[0]).toBeCloseTo((1 + 4) / 2, 6);
    expect(mse[1]).toBeCloseTo((0.0625 + 16) / 2, 6);
    const mae = perSampleLoss(z(), y(), lossOfName('mae')).arraySync();
    expect(mae[0]).toBeCloseTo((1 + 2) / 2, 6);
    expect(mae[1]).toBeCloseTo((0.25 + 4) / 2, 6);
    // delta 1.5: |1| inside -> 0.5; |-2| outside -> 1.5 (2 - 0.75) = 1.875; 0.25 inside -> 0.03125; 4 -> 1.5 (4 - 0.75) = 4.875
    const huber = perSampleLoss(z(), y(), lossOfName('huber', 1.5)).arraySync();
    expect(huber[0]).toBeCloseTo((0.5 + 1.875) / 2, 6);
    expect(huber[1]).toBeCloseTo((0.03125 + 4.875) / 2, 6);
    // Keras' default delta is 1: |-2| -> 1 (2 - 0.5) = 1.5
    expect(perSampleLoss(z(), y(), lossOfName('huber')).arraySync()[0]).toBeCloseTo((0.5 + 1.5) / 2, 6);
  });

  test('the bounds by hand: 2 (z - y) / d, sign(z - y) / d, clip(z - y, -delta, delta) / d', () => {
    const mse = gradNormUpperBound(z(), y(), lossOfName('mse')).arraySync();
    expect(mse[0]).toBeCloseTo(Math.hypot(2 * 1, 2 * -2) / 2, 6);
    const mae = gradNormUpperBound(z(), y(), lossOfName('mae')).arraySync();
    expect(mae[1]).toBeCloseTo(Math.hypot(1, 1) / 2, 6);
    const huber = gradNormUpperBound(z(), y(), lossOfName('huber', 1.5)).arraySync();
    expect(huber[0]).toBeCloseTo(Math.hypot(1, 1.5) / 2, 6);
    expect(huber[1]).toBeCloseTo(Math.hypot(0.25, 1.5) / 2, 6);
  });

  test('sparse categorical cross-entropy is categorical cross-entropy on the class ids', () => {
    expect(lossOfName('sparse_categorical_crossentropy')).toEqual(lossOfName('categorical_crossentropy'));
  });

  test.each([
    ['mse', lossOfName('mse')],
    ['mae', lossOfName('mae')],
    ['huber (delta 0.7)', lossOfName('huber', 0.7)],
    ['softmax cross-entropy', lossOfName('categorical_crossentropy')],
    ['sigmoid cross-entropy', lossOfName('binary_crossentropy')],
  ] as const)('%s: the bound equals the autodiff gradient norm on random inputs', (_name, loss) => {
    const rng = new Rng('losses/' + _name);
    const rows = 16;
    const d = 5;
    const zz = tf.tensor2d(Array.from({ length: rows * d }, () => rng.next() * 6 - 3), [rows, d]);
    const classes = Array.from({ length: rows }, () => rng.int(d));
    const yy = loss.kind === 'softmax-cross-entropy'
      ? tf.tensor2d(classes.flatMap((c) => Array.from({ length: d }, (_, j) => (j === c ? 1 : 0))), [rows, d])
      : loss.kind === 'sigmoid-cross-entropy'
        ? tf.tensor2d(Array.from({ length: rows * d }, () => (rng.next() < 0.5 ? 1 : 0)), [rows, d])
        : tf.tensor2d(Array.from({ length: rows * d }, () => rng.next() * 6 - 3), [rows, d]);
    const before = tf.memory().numTensors;
    const boundTensor = gradNormUpperBound(zz, yy, loss);
    const bound = Array.from(boundTensor.dataSync());
    boundTensor.dispose();
    const auto = tf.tidy(() => {
      const g = tf.grad((t: tf.Tensor) => tf.sum(perSampleLoss(t as tf.Tensor2D, yy, loss)))(zz);
      return Array.from(tf.sqrt(tf.sum(tf.square(g), 1)).dataSync());
    });
    bound.forEach((v, i) => expect(v).toBeCloseTo(auto[i], 5));
    // the bound is not trivially constant across rows (mae's is: every |sign| is 1 off ties)
    if (loss.kind !== 'mae') expect(new Set(bound.map((v) => v.toFixed(4))).size).toBeGreaterThan(1);
    tf.dispose([zz, yy]);
    expect(tf.memory().numTensors).toBe(before - 2);
  });
});
