import * as tf from '@tensorflow/tfjs';
import type { LossName } from '../config/schema';
import type { OutputActivation } from '../models/build';

/**
 * Per-sample quantities from the model's output z and targets y. For classification z is the
 * logits: losses are computed from them (log-sum-exp form) for numerical stability and equal
 * Keras' cross-entropies on softmax/sigmoid outputs. For regression z is the prediction itself.
 * Losses over several outputs are their mean, as Keras' are.
 */

export type { LossName };
export const REGRESSION_LOSSES: readonly LossName[] = ['mse', 'mae', 'huber'];

/** Keras' Huber delta. */
export const DEFAULT_HUBER_DELTA = 1;

/** How the per-sample loss is computed from z (the logits, or the prediction for regression). */
export type LossFunction =
  | { kind: 'softmax-cross-entropy' }
  | { kind: 'sigmoid-cross-entropy' }
  | { kind: 'mse' }
  | { kind: 'mae' }
  | { kind: 'huber'; delta: number };

/** What a loss is given as: a loss function, or the output activation a cross-entropy follows (linear: squared error). */
export type LossLike = LossFunction | OutputActivation;

export function lossFunction(loss: LossLike): LossFunction {
  if (typeof loss !== 'string') return loss;
  if (loss === 'softmax') return { kind: 'softmax-cross-entropy' };
  if (loss === 'sigmoid') return { kind: 'sigmoid-cross-entropy' };
  return { kind: 'mse' };
}

/** The loss function of a config's loss name (sparse and categorical cross-entropy differ only in the labels' form). */
export function lossOfName(name: LossName, huberDelta = DEFAULT_HUBER_DELTA): LossFunction {
  switch (name) {
    case 'categorical_crossentropy':
    case 'sparse_categorical_crossentropy':
      return { kind: 'softmax-cross-entropy' };
    case 'binary_crossentropy':
      return { kind: 'sigmoid-cross-entropy' };
    case 'huber':
      return { kind: 'huber', delta: huberDelta };
    default:
      return { kind: name };
  }
}

export function isRegression(loss: LossLike): boolean {
  const k = lossFunction(loss).kind;
  return k === 'mse' || k === 'mae' || k === 'huber';
}

/** Per-sample loss. */
export function perSampleLoss(z: tf.Tensor2D, y: tf.Tensor2D, loss: LossLike): tf.Tensor1D {
  const f = lossFunction(loss);
  return tf.tidy(() => {
    // -sum(y log softmax(z)): tfjs's logSoftmax carries its own closed-form gradient, where
    // logSumExp(z) - sum(y z) differentiates through max (a broadcast Equal, slow on wasm;
    // docs/engine.md).
    if (f.kind === 'softmax-cross-entropy') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)) as tf.Tensor1D;
    if (f.kind === 'sigmoid-cross-entropy') {
      // max(z, 0) - z*y + log(1 + exp(-|z|)), averaged over outputs like Keras
      const e = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      return tf.mean(e, 1) as tf.Tensor1D;
    }
    const e = tf.sub(z, y);
    if (f.kind === 'mse') return tf.mean(tf.square(e), 1) as tf.Tensor1D;
    if (f.kind === 'mae') return tf.mean(tf.abs(e), 1) as tf.Tensor1D;
    // Huber: 0.5 e^2 inside [-delta, delta], delta (|e| - delta / 2) outside; as 0.5 q^2 + delta (|e| - q), q = min(|e|, delta)
    const a = tf.abs(e);
    const q = tf.minimum(a, f.delta);
    return tf.mean(tf.add(tf.mul(0.5, tf.square(q)), tf.mul(f.delta, tf.sub(a, q))), 1) as tf.Tensor1D;
  });
}

/**
 * The gradient-norm bound: ||d loss_i / d z_i||_2 in closed form, z the logits (or the
 * prediction for regression), d outputs: softmax + CE -> softmax(z) - y; sigmoid + BCE ->
 * (sigmoid(z) - y) / d; mse -> 2 (z - y) / d; mae -> sign(z - y) / d; huber -> clip(z - y, -delta, delta) / d.
 */
export function gradNormUpperBound(z: tf.Tensor2D, y: tf.Tensor2D, loss: LossLike): tf.Tensor1D {
  const f = lossFunction(loss);
  return tf.tidy(() => {
    const d = z.shape[1];
    let g: tf.Tensor2D;
    if (f.kind === 'softmax-cross-entropy') g = tf.sub(tf.softmax(z), y);
    else if (f.kind === 'sigmoid-cross-entropy') g = tf.div(tf.sub(tf.sigmoid(z), y), d);
    else if (f.kind === 'mse') g = tf.mul(tf.sub(z, y), 2 / d);
    else if (f.kind === 'mae') g = tf.div(tf.sign(tf.sub(z, y)), d);
    else g = tf.div(tf.clipByValue(tf.sub(z, y), -f.delta, f.delta), d);
    return tf.sqrt(tf.sum(tf.square(g), 1)) as tf.Tensor1D;
  });
}

/** Per-sample mean absolute error of a regression prediction (the val_mae metric). */
export function absoluteErrors(z: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(z, y)), 1) as tf.Tensor1D);
}

/** 1 where the prediction is right: argmax for several classes, z > 0 for one sigmoid output. */
export function correctPredictions(z: tf.Tensor2D, y: tf.Tensor2D, loss: LossLike): tf.Tensor1D {
  const f = lossFunction(loss);
  return tf.tidy(() => {
    if (z.shape[1] === 1 || f.kind === 'sigmoid-cross-entropy') {
      return tf.cast(tf.equal(tf.greater(z, 0), tf.greater(y, 0.5)), 'float32').min(1) as tf.Tensor1D;
    }
    return tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(y, 1)), 'float32') as tf.Tensor1D;
  });
}
