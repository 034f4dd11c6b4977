import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/rng';
import { loadNativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import {
  imdbFastText, mnistCnn, mnistMlp, reutersMlp, scoreBatch, trainStep, type ReferenceModel,
} from '../src/engine/native-reference-models';

/**
 * Small versions of the four reference models train to the same loss curve on wasm + native
 * kernels as on tfjs's cpu backend, and repeated steps leak neither tensors nor wasm heap.
 */

const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native-training tests skipped: ${skipReason}`);
/** Runs the suite, or shows it as skipped with the reason in its name. */
const suite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

const STEPS = 8;
const CURVE_TOLERANCE = 1e-3;

const MODELS: ReferenceModel[] = [
  mnistMlp({ hidden: 64, batch: 32 }),
  // Keras' Adadelta rate of 1.0 blows up on a 4-sample batch; the kernels are what is under test.
  mnistCnn({ filters1: 4, filters2: 8, dense: 16, batch: 4, learningRate: 0.1 }),
  reutersMlp({ hidden: 64, batch: 16 }),
  imdbFastText({ vocab: 100, dim: 16, maxlen: 20, batch: 8 }),
];

function mean(values: Float32Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Loss after each of STEPS optimizer steps on one fixed synthetic batch, and the inference-mode
 * loss before and after them (the training losses carry a fresh dropout mask at every step, too
 * noisy on these tiny models to show learning).
 */
async function lossCurve(model: ReferenceModel, backend: 'cpu' | 'wasm'): Promise<{ losses: number[]; before: number; after: number }> {
  await tf.setBackend(backend);
  const net = model.build();
  const optimizer = model.optimizer();
  const { x, y } = model.makeBatch(new Rng(`curve/${model.name}`), model.batch);
  const before = mean(scoreBatch(model, net, x, y));
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) losses.push(trainStep(model, net, optimizer, x, y));
  const after = mean(scoreBatch(model, net, x, y));
  tf.dispose([x, y]);
  net.dispose();
  optimizer.dispose();
  return { losses, before, after };
}

suite('training with native kernels', () => {
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
  });
  afterAll(() => disableNativeKernels());

  test.each(MODELS.map((m) => [m.name, m] as const))('%s: same loss curve as tfjs cpu', async (_name, model) => {
    const { losses: native, before, after } = await lossCurve(model, 'wasm');
    const { losses: cpu } = await lossCurve(model, 'cpu');
    expect(after).toBeLessThan(before);
    const off = native
      .map((l, i) => (Math.abs(l - cpu[i]) <= CURVE_TOLERANCE * Math.abs(cpu[i]) ? '' : `step ${i + 1}: native ${l} vs cpu ${cpu[i]}`))
      .filter(Boolean);
    expect(off).toEqual([]);
  });

  test.each(MODELS.map((m) => [m.name, m] as const))('%s: repeated steps leak neither tensors nor wasm heap', async (_name, model) => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array }; numDataIds(): number };
    const net = model.build();
    const optimizer = model.optimizer();
    const { x, y } = model.makeBatch(new Rng(`leak/${model.name}`), model.batch);
    const step = () => {
      trainStep(model, net, optimizer, x, y);
      scoreBatch(model, net, x, y);
    };
    for (let i = 0; i < 3; i++) step();
    const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    for (let i = 0; i < 6; i++) step();
    const after = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.dataIds).toBe(before.dataIds);
    expect(after.heap).toBe(before.heap);
    tf.dispose([x, y]);
    net.dispose();
    optimizer.dispose();
  });
});
