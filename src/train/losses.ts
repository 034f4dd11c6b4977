import * as tf from '@tensorflow/tfjs';
import type { OutputActivation } from '../models/build';

/**
 * Per-sample quantities from the logits z and targets y. Losses are computed from the
 * logits (log-sum-exp form) for numerical stability; they equal Keras' cross-entropies on
 * softmax/sigmoid outputs.
 */

/** Per-sample loss: categorical CE for softmax, binary CE for sigmoid, squared error for linear. */
export function perSampleLoss(z: tf.Tensor2D, y: tf.Tensor2D, act: OutputActivation): tf.Tensor1D {
  return tf.tidy(() => {
    // -sum(y log softmax(z)): tfjs's logSoftmax carries its own closed-form gradient, where
    // logSumExp(z) - sum(y z) differentiates through max (a broadcast Equal, slow on wasm;
    // docs/engine.md).
    if (act === 'softmax') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)) as tf.Tensor1D;
    if (act === 'sigmoid') {
      // max(z, 0) - z*y + log(1 + exp(-|z|)), averaged over outputs like Keras
      const e = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.mean(e, 1) as tf.Tensor1D;
    }
    return tf.mean(tf.square(tf.sub(z, y)), 1) as tf.Tensor1D;
  });
}

/**
 * The reference's gradient-norm upper bound: ||d loss_i / d z_i||_2, in closed form:
 * softmax + CE -> softmax(z) - y; sigmoid + BCE -> (sigmoid(z) - y) / k; linear MSE -> 2 (z - y) / k.
 */
export function gradNormUpperBound(z: tf.Tensor2D, y: tf.Tensor2D, act: OutputActivation): tf.Tensor1D {
  return tf.tidy(() => {
    const k = z.shape[1];
    let g: tf.Tensor2D;
    if (act === 'softmax') g = tf.sub(tf.softmax(z), y);
    else if (act === 'sigmoid') g = tf.div(tf.sub(tf.sigmoid(z), y), k);
    else g = tf.mul(tf.sub(z, y), 2 / k);
    return tf.sqrt(tf.sum(tf.square(g), 1)) as tf.Tensor1D;
  });
}

/** 1 where the prediction is right: argmax for several classes, z > 0 for one sigmoid output. */
export function correctPredictions(z: tf.Tensor2D, y: tf.Tensor2D, act: OutputActivation): tf.Tensor1D {
  return tf.tidy(() => {
    if (z.shape[1] === 1 || act === 'sigmoid') {
      return tf.cast(tf.equal(tf.greater(z, 0), tf.greater(y, 0.5)), 'float32').min(1) as tf.Tensor1D;
    }
    return tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(y, 1)), 'float32') as tf.Tensor1D;
  });
}
