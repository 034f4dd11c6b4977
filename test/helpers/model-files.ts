/** Small tfjs models for the model tests, and the writer that saves them as model.json files. */
import * as tf from '@tensorflow/tfjs';

/** Saves as model.save('file://...') lays it out (the product's own writer). */
export { saveModelFiles } from '../../src/models/model-file';

/** A small sequential classifier: Dense(6, relu), Dropout, Dense(classes, softmax). */
export function sequentialClassifier(features: number, classes: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [features], units: 6, activation: 'relu' }),
      tf.layers.dropout({ rate: 0.25 }),
      tf.layers.dense({ units: classes, activation: 'softmax' }),
    ],
  });
}

/** A small functional classifier: two branches joined by a residual add and a concatenation. */
export function functionalClassifier(features: number, classes: number, activation: 'softmax' | 'sigmoid' = 'softmax'): tf.LayersModel {
  const input = tf.input({ shape: [features] });
  const a = tf.layers.dense({ units: 5, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.dense({ units: 5, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([sum, input]) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
