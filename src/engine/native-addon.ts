import * as fs from 'fs';
import * as path from 'path';

/**
 * The compiled addon (native/src/addon.cc, built by scripts/build-native.js). Every kernel takes
 * the ArrayBuffer behind the tfjs wasm heap and byte offsets into it, and works in place; the
 * addon checks that each operand lies inside the buffer.
 */
export interface NativeAddon {
  /** NATIVE_ABI_VERSION of the sources it was built from. */
  abiVersion: number;
  info(): { blas: string; threads: number };
  /** C = op(A) op(B), row-major, C is m x n. */
  sgemm(heap: ArrayBuffer, transA: boolean, transB: boolean, m: number, n: number, k: number, a: number, b: number, c: number): void;
  batchMatMul(
    heap: ArrayBuffer, a: number, b: number, out: number,
    batch: number, aBatches: number, bBatches: number, aIndex: Int32Array | null, bIndex: Int32Array | null,
    m: number, n: number, k: number, transA: boolean, transB: boolean,
    bias: number, biasMode: BiasMode, activation: FusedActivationCode, leakyAlpha: number,
  ): void;
  /** geometry: see conv2dGeometry in native-kernels.ts (15 values). */
  conv2d(heap: ArrayBuffer, x: number, filter: number, y: number, geometry: Int32Array,
    bias: number, biasMode: BiasMode, activation: FusedActivationCode, leakyAlpha: number): void;
  conv2dBackpropInput(heap: ArrayBuffer, dy: number, filter: number, dx: number, geometry: Int32Array): void;
  conv2dBackpropFilter(heap: ArrayBuffer, x: number, dy: number, dfilter: number, geometry: Int32Array): void;
  unsortedSegmentSum(heap: ArrayBuffer, x: number, segmentIds: number, out: number,
    n: number, inner: number, segments: number, isInt32: boolean): void;
  /**
   * out[b, o, i, :] = x[b, o, indices[b, i], :] (x: batch x outer x dim x slice). Returns the
   * position of the first index outside [0, dim) (and gathers nothing), or -1.
   */
  gather(heap: ArrayBuffer, x: number, indices: number, out: number,
    batch: number, outer: number, dim: number, count: number, sliceBytes: number): number;
  /** out[i] = sqrt(x[i]) over n floats. */
  sqrt(heap: ArrayBuffer, x: number, out: number, n: number): void;
  /** out = x * mask over n floats, the mask (scale or 0) as dropoutMask in src/models/seeded-dropout.ts draws it. */
  dropout(heap: ArrayBuffer, x: number, out: number, n: number, seed: number, threshold: number, scale: number): void;
  /**
   * One uncentered RMSprop step of n weights into new buffers, as tfjs's RMSPropOptimizer computes it:
   * ms' = ms decay + g^2 (1 - decay); mom' = mom momentum + g lr / sqrt(ms' + eps); w' = w - mom'.
   */
  rmspropUpdate(heap: ArrayBuffer, value: number, meanSquare: number, moment: number, grad: number,
    newValue: number, newMeanSquare: number, newMoment: number, n: number,
    decay: number, momentum: number, learningRate: number, epsilon: number): void;
  /**
   * One Adam step of n weights into new buffers, as tfjs's AdamOptimizer computes it; accBeta1/2
   * are heap offsets of the float32 powers beta^t:
   * m' = m b1 + g (1 - b1); v' = v b2 + g^2 (1 - b2); w' = (m' / (1 - acc1)) / (sqrt(v' / (1 - acc2)) + eps) (-lr) + w.
   */
  adamUpdate(heap: ArrayBuffer, value: number, first: number, second: number, grad: number,
    newValue: number, newFirst: number, newSecond: number, n: number,
    beta1: number, beta2: number, learningRate: number, epsilon: number, accBeta1: number, accBeta2: number): void;
  /** out[p, q] = sum_r x[p, r, q] for x viewed as pre x reduced x post. */
  reduceSum(heap: ArrayBuffer, x: number, out: number, pre: number, reduced: number, post: number): void;
  /** geometry: batch, inH, inW, channels, outH, outW, filterH, filterW, strideH, strideW, padTop, padLeft. */
  maxPoolGrad(heap: ArrayBuffer, x: number, dy: number, dx: number, geometry: Int32Array): void;
  /** A planned training step (native/src/plan_binding.cc); the spec is built by src/engine/step-plan.ts. */
  StepPlan: new (spec: object) => NativeStepPlanHandle;
}

/**
 * native/src/plan_binding.cc's StepPlan. `params` are Float64Arrays of heap offsets, per parameter
 * its value then its optimizer slots; x and y are the offsets of a split of `rows` rows.
 */
export interface NativeStepPlanHandle {
  paramSizes(): number[];
  /** stats: 3k floats, the per-sample loss, gradient-norm bound and correctness one after the other. */
  trainForward(heap: ArrayBuffer, x: number, rows: number, y: number, indices: Int32Array, params: Float64Array,
    seeds: Uint32Array, stats: Float32Array): void;
  /** accBeta: Adam's accumulated powers' offsets (advanced in place), or null. */
  trainBackward(heap: ArrayBuffer, params: Float64Array, coefficients: Float32Array, accBeta: Float64Array | null, learningRate?: number): void;
  infer(heap: ArrayBuffer, x: number, rows: number, y: number, indices: Int32Array, params: Float64Array,
    loss: Float32Array | null, gnorm: Float32Array | null, correct: Float32Array | null): void;
}

/** Must match isbench::BiasMode in native/src/kernels.h. */
export enum BiasMode { None = 0, PerColumn = 1, Scalar = 2, Full = 3 }

/** Must match isbench::Activation in native/src/kernels.h. */
export enum FusedActivationCode { Linear = 0, Relu = 1, Relu6 = 2, Elu = 3, LeakyRelu = 4, Sigmoid = 5 }

/** Must equal kAbiVersion in native/src/addon.cc. */
export const NATIVE_ABI_VERSION = 5;

/** Where scripts/build-native.js puts the addon; the same from src/engine and dist/engine. */
export const ADDON_PATH = path.resolve(__dirname, '..', '..', 'build', 'Release', 'is_bench_native.node');

let cached: { addon: NativeAddon | null; reason: string } | undefined;

/** The addon, or null with the reason it is unavailable. Loads once. */
export function loadNativeAddon(): { addon: NativeAddon | null; reason: string } {
  if (!cached) {
    if (!fs.existsSync(ADDON_PATH)) {
      cached = { addon: null, reason: `not built (${path.relative(process.cwd(), ADDON_PATH)} is missing; run \`npm run install\`)` };
    } else {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const addon = require(ADDON_PATH) as NativeAddon;
        cached = addon.abiVersion === NATIVE_ABI_VERSION
          ? { addon, reason: 'loaded' }
          : {
            addon: null,
            reason: `does not match this code (addon ABI ${addon.abiVersion}, code ABI ${NATIVE_ABI_VERSION}): rebuild both with \`npm run install && npm run build\``,
          };
      } catch (e) {
        cached = { addon: null, reason: `failed to load (${(e as Error).message.split('\n')[0]})` };
      }
    }
  }
  return cached;
}
