import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';

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
    return tf.tidy(() => {
      const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(this.rate);
      return tf.mul(x, tf.cast(keep, x.dtype)).div(1 - this.rate);
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate };
  }
}
