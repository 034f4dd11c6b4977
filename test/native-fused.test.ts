import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/rng';
import { loadNativeAddon, type NativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import { FusedRMSProp } from '../src/train/native-rmsprop';
import { FusedAdam } from '../src/train/native-adam';
import { applyDropout, dropoutAttrs, dropoutMask } from '../src/models/seeded-dropout';

/**
 * The fused kernels that replace whole tfjs op sequences: the RMSprop update (src/train/native-rmsprop.ts)
 * must equal tfjs's RMSPropOptimizer, and the native dropout mask the JavaScript one.
 */

const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native-fused tests skipped: ${skipReason}`);
const nativeSuite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

// [256, 512] is large enough for the native loop to split across threads.
const SHAPES = [[7, 5], [33], [1], [64, 9], [256, 512]];

function randomValues(rng: Rng, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < v.length; i++) v[i] = (rng.next() * 2 - 1) * (i % 7 === 0 ? 1e-3 : 1);
  return v;
}

/** Trains variables of SHAPES with `optimizer` for `steps` steps on fixed random gradients; returns values and slot weights. */
async function optimize(optimizer: tf.Optimizer, steps: number, tag: string): Promise<{ values: Float32Array[]; slots: { name: string; values: Float32Array }[] }> {
  const rng = new Rng('native-fused rmsprop');
  const vars = SHAPES.map((shape, i) => tf.variable(tf.tensor(randomValues(rng, tf.util.sizeFromShape(shape)), shape), true, `${tag}/w${i}`));
  for (let s = 0; s < steps; s++) {
    const grads = SHAPES.map((shape, i) => ({ name: vars[i].name, tensor: tf.tensor(randomValues(rng, tf.util.sizeFromShape(shape)), shape) }));
    optimizer.applyGradients(grads);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const values = vars.map((v) => v.dataSync() as Float32Array);
  const slots = (await optimizer.getWeights()).map((w) => ({ name: w.name.replace(tag, ''), values: w.tensor.dataSync() as Float32Array }));
  tf.dispose(vars);
  optimizer.dispose();
  return { values, slots };
}

function maxRelativeError(actual: Float32Array[], expected: Float32Array[]): number {
  let worst = 0;
  actual.forEach((a, j) => a.forEach((x, i) => {
    const e = expected[j][i];
    worst = Math.max(worst, Math.abs(x - e) / Math.max(Math.abs(e), 1e-30));
  }));
  return worst;
}

describe('fused RMSprop and dropout masks without native kernels (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test('FusedRMSProp is tfjs RMSprop on backends without the kernel', async () => {
    const fused = await optimize(new FusedRMSProp(0.01, 0.9, 0.5, 1e-7), 3, 'cpuF');
    const stock = await optimize(tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7), 3, 'cpuS');
    expect(maxRelativeError(fused.values, stock.values)).toBe(0);
    expect(fused.slots.map((s) => s.name)).toEqual(stock.slots.map((s) => s.name));
    expect(maxRelativeError(fused.slots.map((s) => s.values), stock.slots.map((s) => s.values))).toBe(0);
  });

  test('FusedAdam is tfjs Adam on backends without the kernel', async () => {
    const fused = await optimize(new FusedAdam(0.01, 0.9, 0.999, 1e-7), 3, 'cpuFA');
    const stock = await optimize(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 3, 'cpuSA');
    expect(maxRelativeError(fused.values, stock.values)).toBe(0);
    expect(fused.slots.map((s) => s.name)).toEqual(stock.slots.map((s) => s.name));
    expect(maxRelativeError(fused.slots.map((s) => s.values), stock.slots.map((s) => s.values))).toBe(0);
  });

  test('the dropout mask is a deterministic function of the seed, keeping about 1 - rate', () => {
    const a = dropoutMask(10000, dropoutAttrs(0.2, 12345));
    const b = dropoutMask(10000, dropoutAttrs(0.2, 12345));
    const c = dropoutMask(10000, dropoutAttrs(0.2, 12346));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const scale = Math.fround(1 / 0.8);
    expect(a.every((v) => v === 0 || v === scale)).toBe(true);
    const kept = a.filter((v) => v !== 0).length / a.length;
    expect(Math.abs(kept - 0.8)).toBeLessThan(0.015); // 0.8 +- 3.75 standard deviations of 10^4 draws
    // consecutive elements are not correlated: neighbours are both dropped about rate^2 of the time
    let bothDropped = 0;
    for (let i = 1; i < a.length; i++) if (a[i] === 0 && a[i - 1] === 0) bothDropped++;
    expect(Math.abs(bothDropped / (a.length - 1) - 0.04)).toBeLessThan(0.01);
  });

  test('applyDropout on cpu multiplies by the JavaScript mask, and so does its gradient', () => {
    const x = tf.tensor2d(Array.from({ length: 150 }, (_, i) => i - 70), [3, 50]);
    const mask = dropoutMask(150, dropoutAttrs(0.5, 77));
    const y = applyDropout(x, 0.5, 77);
    expect(y.dataSync()).toEqual(Float32Array.from(x.dataSync(), (v, i) => v * mask[i]));
    const g = tf.grad((t: tf.Tensor) => tf.sum(applyDropout(t, 0.5, 77)))(x);
    expect(g.dataSync()).toEqual(mask);
    tf.dispose([x, y, g]);
  });
});

nativeSuite('fused kernels on wasm + native kernels', () => {
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
  });
  afterAll(() => disableNativeKernels());

  test.each([[0], [0.9]])('FusedRMSProp equals tfjs RMSprop to 1e-6 (momentum %p), with the same slots', async (momentum) => {
    const spy = jest.spyOn(addon as NativeAddon, 'rmspropUpdate');
    const fused = await optimize(new FusedRMSProp(0.001, 0.9, momentum, 1e-7), 4, `wasmF${momentum}`);
    expect(spy).toHaveBeenCalledTimes(4 * SHAPES.length);
    spy.mockRestore();
    const stock = await optimize(tf.train.rmsprop(0.001, 0.9, momentum, 1e-7), 4, `wasmS${momentum}`);
    expect(maxRelativeError(fused.values, stock.values)).toBeLessThanOrEqual(1e-6);
    expect(fused.slots.map((s) => s.name)).toEqual(stock.slots.map((s) => s.name));
    expect(maxRelativeError(fused.slots.map((s) => s.values), stock.slots.map((s) => s.values))).toBeLessThanOrEqual(1e-6);
  });

  test('FusedAdam equals tfjs Adam to 1e-6, with the same slots', async () => {
    const spy = jest.spyOn(addon as NativeAddon, 'adamUpdate');
    const fused = await optimize(new FusedAdam(0.01, 0.9, 0.999, 1e-7), 4, 'wasmFA');
    expect(spy).toHaveBeenCalledTimes(4 * SHAPES.length);
    spy.mockRestore();
    const stock = await optimize(tf.train.adam(0.01, 0.9, 0.999, 1e-7), 4, 'wasmSA');
    expect(maxRelativeError(fused.values, stock.values)).toBeLessThanOrEqual(1e-6);
    expect(fused.slots.map((s) => s.name)).toEqual(stock.slots.map((s) => s.name));
    expect(maxRelativeError(fused.slots.map((s) => s.values), stock.slots.map((s) => s.values))).toBeLessThanOrEqual(1e-6);
  });

  test('repeated fused updates leak neither tensors nor heap', async () => {
    for (const [tag, optimizer] of [['r', new FusedRMSProp(0.001, 0.9, 0, 1e-7)], ['a', new FusedAdam(0.001, 0.9, 0.999, 1e-7)]] as const) {
      const v = tf.variable(tf.ones([10, 10]), true, `leak/${tag}`);
      const g = tf.onesLike(v);
      optimizer.applyGradients([{ name: v.name, tensor: g }]);
      const before = tf.memory();
      for (let i = 0; i < 5; i++) optimizer.applyGradients([{ name: v.name, tensor: g }]);
      const after = tf.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
      tf.dispose([v, g]);
      optimizer.dispose();
    }
  });

  test('native dropout equals x times the JavaScript mask, and its gradient is the mask', () => {
    const spy = jest.spyOn(addon as NativeAddon, 'dropout');
    const cases = [[[128, 512], 0.2, 1], [[7], 0.5, 2147483646], [[3, 4, 5], 0.9, 0]] as [number[], number, number][];
    for (const [shape, rate, seed] of cases) {
      const n = tf.util.sizeFromShape(shape);
      const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
      values[0] = NaN; // a dropped NaN stays NaN, as in x * mask
      const mask = dropoutMask(n, dropoutAttrs(rate, seed));
      const x = tf.tensor(values, shape);
      const y = applyDropout(x, rate, seed);
      expect(y.shape).toEqual(shape);
      expect(y.dataSync()).toEqual(Float32Array.from(values, (v, i) => v * mask[i]));
      const before = tf.memory().numTensors;
      const g = tf.grad((t: tf.Tensor) => tf.sum(applyDropout(t, rate, seed)))(x);
      expect(g.dataSync()).toEqual(mask);
      tf.dispose([x, y, g]);
      expect(tf.memory().numTensors).toBe(before - 2);
    }
    // forward, and forward + backward in the gradients
    expect(spy).toHaveBeenCalledTimes(3 * cases.length);
    spy.mockRestore();
  });
});
