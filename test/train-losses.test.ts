import * as tf from '@tensorflow/tfjs';
import { correctPredictions, gradNormUpperBound, perSampleLoss } from '../src/train/losses';

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
