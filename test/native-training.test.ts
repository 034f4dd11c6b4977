import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadNativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import type { LayerSpec, OptimizerConfig } from '../src/config/schema';
import {
  openWorkload, referenceWorkload, type ReferenceConfig, type ReferenceWorkload, type SyntheticData,
} from '../src/bench/reference-workloads';

/**
 * Small versions of the four reference models train to the same loss curve on wasm + native
 * kernels as on tfjs's cpu backend through is-bench's TrainingSession, and repeated training and
 * scoring steps leak neither tensors nor wasm heap.
 */

const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native-training tests skipped: ${skipReason}`);
/** Runs the suite, or shows it as skipped with the reason in its name. */
const suite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

const STEPS = 8;
const CURVE_TOLERANCE = 1e-5;

/** The same layers with an eighth of the hidden units, filters and embedding width (the output layer stays). */
function shrink(layers: LayerSpec[]): LayerSpec[] {
  const output = layers.map((l) => l.type).lastIndexOf('dense');
  return layers.map((l, i) => {
    if (l.type === 'dense' && i !== output) return { ...l, units: Math.ceil(l.units / 8) };
    if (l.type === 'conv2d') return { ...l, filters: Math.ceil(l.filters / 8) };
    if (l.type === 'embedding') return { ...l, outputDim: Math.ceil(l.outputDim / 8) };
    return l;
  });
}

/** A reference workload with the zoo model shrunk, another batch size, optimizer or data shape. */
function small(config: ReferenceConfig, changes: { batch: number; optimizer?: OptimizerConfig; data?: SyntheticData }): ReferenceWorkload {
  const { data, ...rest } = changes;
  const w = referenceWorkload(config, data);
  return { ...w, ...rest, layers: shrink(w.layers) };
}

/** The zoo's four reference models, small: MLPs of 64 units, a CNN of 4 and 8 filters and 16 units, 7-wide embeddings. */
const MODELS: ReferenceWorkload[] = [
  small('mnist-mlp', { batch: 32 }),
  // Keras' Adadelta rate of 1.0 blows up on a 4-sample batch; the kernels are what is under test.
  small('mnist-cnn', { batch: 4, optimizer: { name: 'adadelta', learningRate: 0.1 } }),
  small('reuters-mlp', { batch: 16 }),
  small('imdb-fasttext', { batch: 8, data: { inputs: 'word-ids', inputShape: [20], labelKind: 'binary', numClasses: 2, vocabSize: 100 } }),
];

function mean(values: Float32Array): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/**
 * Loss after each of STEPS optimizer steps on one fixed synthetic batch, and the inference-mode
 * loss before and after them (the training losses carry a fresh dropout mask at every step, too
 * noisy on these tiny models to show learning).
 */
async function lossCurve(model: ReferenceWorkload, backend: 'cpu' | 'wasm'): Promise<{ losses: number[]; before: number; after: number }> {
  await tf.setBackend(backend);
  const { session, indices, dispose } = openWorkload(model, `curve/${model.name}`);
  const before = mean(session.score(indices, 'loss'));
  const losses: number[] = [];
  for (let i = 0; i < STEPS; i++) losses.push(session.trainStep(indices, null).objective);
  const after = mean(session.score(indices, 'loss'));
  dispose();
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
    const { session, indices, dispose } = openWorkload(model, `leak/${model.name}`);
    const step = () => {
      session.trainStep(indices, null);
      session.score(indices, 'loss');
    };
    for (let i = 0; i < 3; i++) step();
    const before = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    for (let i = 0; i < 6; i++) step();
    const after = { ...tf.memory(), dataIds: backend.numDataIds(), heap: backend.wasm.HEAPU8.byteLength };
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.dataIds).toBe(before.dataIds);
    expect(after.heap).toBe(before.heap);
    dispose();
  });
});
