import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import { DROPOUT_KERNEL, type DropoutAttrs } from '../engine/kernel-names';

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The kernel attributes of a mask keeping each unit with probability 1 - rate, scaled by 1 / (1 - rate). */
export function dropoutAttrs(rate: number, seed: number): DropoutAttrs {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  return { seed: seed >>> 0, threshold: Math.round(rate * 2 ** 24), scale: Math.fround(1 / (1 - rate)) };
}

/**
 * The first n values of a dropout mask: element i is `scale` when the top 24 bits of a
 * counter-based hash of (seed, i) (two murmur3 finalizer rounds) are >= threshold, else 0. A pure
 * function of the seed, computed alike here and natively (dropout in native/src/kernels.cc), so
 * runs are the same on every backend and across resume; far cheaper than tf.randomUniform's generator.
 */
export function dropoutMask(n: number, attrs: DropoutAttrs): Float32Array {
  const out = new Float32Array(n);
  const seed = attrs.seed >>> 0;
  const key = fmix32(seed ^ 0x9e3779b9);
  for (let i = 0; i < n; i++) {
    const h = fmix32((fmix32((Math.imul(i, 0x9e3779b1) + key) >>> 0) ^ seed) >>> 0);
    out[i] = h >>> 8 >= attrs.threshold ? attrs.scale : 0;
  }
  return out;
}

/**
 * x times the dropout mask of (rate, seed): in one native pass (its gradient too) where the backend
 * has the kernel, else as x times the mask drawn in JavaScript. The same values either way.
 */
export function applyDropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const attrs = dropoutAttrs(rate, seed);
  if (x.dtype === 'float32' && tf.getKernel(DROPOUT_KERNEL, tf.getBackend())) {
    return tf.engine().runKernel(DROPOUT_KERNEL, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(dropoutMask(x.size, attrs), x.shape, 'float32')));
}

/**
 * Keras Dropout with its own seeded stream. tfjs's Dropout either draws from Math.random
 * (runs not reproducible) or, with a seed, draws the same mask at every step; this layer
 * takes a fresh seed from the arm's dropout stream at every training call.
 */
export class SeededDropout extends tf.layers.Layer {
  static className = 'Dropout';
  readonly rate: number;
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
    return applyDropout(x, this.rate, this.nextSeed());
  }

  /** The seed of the next training call's mask (a planned step draws it in place of call()). */
  nextSeed(): number {
    return this.rng.seed();
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
