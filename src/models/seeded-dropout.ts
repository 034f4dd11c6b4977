import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { DROPOUT_MASK_KERNEL, type DropoutMaskAttrs } from '../engine/native-kernels';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The kernel attributes of a mask keeping each unit with probability 1 - rate, scaled by 1 / (1 - rate). */
export function dropoutMaskAttrs(shape: number[], rate: number, seed: number): DropoutMaskAttrs {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  return { shape, seed: seed >>> 0, threshold: Math.round(rate * 2 ** 24), scale: Math.fround(1 / (1 - rate)) };
}

/**
 * The values of a dropout mask: element i is `scale` when the top 24 bits of a counter-based hash
 * of (seed, i) (two murmur3 finalizer rounds) are >= threshold, else 0. A pure function of the
 * seed, computed alike here and natively (dropout_mask in native/src/kernels.cc), so runs are the
 * same on every backend and across resume; far cheaper than tf.randomUniform's generator.
 */
export function dropoutMask(attrs: DropoutMaskAttrs): Float32Array {
  const n = tf.util.sizeFromShape(attrs.shape);
  const out = new Float32Array(n);
  const seed = attrs.seed >>> 0;
  const key = fmix32(seed ^ 0x9e3779b9);
  for (let i = 0; i < n; i++) {
    const h = fmix32((fmix32((Math.imul(i, 0x9e3779b1) + key) >>> 0) ^ seed) >>> 0);
    out[i] = h >>> 8 >= attrs.threshold ? attrs.scale : 0;
  }
  return out;
}

/** A dropout mask tensor: drawn by the native kernel where the backend has it, else in JavaScript. */
export function dropoutMaskTensor(shape: number[], rate: number, seed: number): tf.Tensor {
  const attrs = dropoutMaskAttrs(shape, rate, seed);
  if (tf.getKernel(DROPOUT_MASK_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tensor(dropoutMask(attrs), shape, 'float32');
}

/**
 * Keras Dropout with its own seeded stream. tfjs's Dropout either draws from Math.random
 * (runs not reproducible) or, with a seed, draws the same mask at every step; this layer
 * takes a fresh seed from the arm's dropout stream at every training call.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  private readonly rate: number;
  private readonly rng: Rng;

  constructor(args: { rate: number; rng: Rng; name?: string }) {
    super({ name: args.name });
    this.rate = args.rate;
    this.rng = args.rng;
    this.supportsMasking = true;
  }

  computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs['training'] || this.rate === 0) return x.clone();
    const seed = this.rng.seed();
    return tf.tidy(() => tf.mul(x, dropoutMaskTensor(x.shape, this.rate, seed)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
