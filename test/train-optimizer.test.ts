import * as tf from '@tensorflow/tfjs';
import { createOptimizer } from '../src/train/optimizer';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One Adadelta step on f(w) = 0.5 w^2 (gradient w) from w0, by hand (Keras / Zeiler 2012). */
function adadeltaByHand(w0: number[], steps: number, lr: number, rho: number, eps: number): number[] {
  return w0.map((w) => {
    let accG = 0;
    let accU = 0;
    for (let s = 0; s < steps; s++) {
      const g = w;
      accG = rho * accG + (1 - rho) * g * g;
      const u = (Math.sqrt(accU + eps) / Math.sqrt(accG + eps)) * g;
      accU = rho * accU + (1 - rho) * u * u;
      w -= lr * u;
    }
    return w;
  });
}

test('adadelta divides by the accumulator that includes the current gradient, as Keras does', () => {
  const w0 = [3, -0.5, 0.01];
  const w = tf.variable(tf.tensor1d(w0));
  const opt = createOptimizer({ name: 'adadelta' }); // Keras defaults: lr 1.0, rho 0.95, eps 1e-7
  for (let s = 0; s < 5; s++) opt.minimize(() => tf.mul(0.5, tf.sum(tf.square(w))) as tf.Scalar, false, [w]);
  const expected = adadeltaByHand(w0, 5, 1.0, 0.95, 1e-7);
  Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  // the first step is small (about sqrt(eps / (1 - rho))), not a full gradient step of size lr * g
  expect(Math.abs(w0[0] - w.dataSync()[0])).toBeLessThan(0.01);
});

test('adadelta state survives getWeights/setWeights (checkpoints)', async () => {
  const w = tf.variable(tf.tensor1d([1, 2]));
  const a = createOptimizer({ name: 'adadelta' });
  const f = () => tf.sum(tf.square(w)) as tf.Scalar;
  a.minimize(f, false, [w]);
  const saved = await a.getWeights();
  const b = createOptimizer({ name: 'adadelta' });
  await b.setWeights(saved.map((x) => ({ name: x.name, tensor: x.tensor.clone() })));
  const w2 = tf.variable(w.clone());
  a.minimize(f, false, [w]);
  b.minimize(() => tf.sum(tf.square(w2)) as tf.Scalar, false, [w2]);
  expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
});
