/** tfjs models saved the way model.save('file://...') lays them out, without tfjs-node's file handler. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

/** Saves `model` as `<dir>/model.json` + `<dir>/<weights>` (one shard); returns the model.json path. */
export async function saveModelFiles(model: tf.LayersModel, dir: string, weights = 'group1-shard1of1.bin'): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData as ArrayBuffer;
      fs.writeFileSync(path.join(dir, weights), Buffer.from(data));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: 'test',
        weightsManifest: [{ paths: [weights], weights: artifacts.weightSpecs }],
      };
      fs.writeFileSync(file, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return file;
}

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
