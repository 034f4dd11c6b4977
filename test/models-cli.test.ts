/**
 * The user's models from the CLI: `is-bench config` names the model source and the loss (as
 * comments: the output still parses as the config), `is-bench run` trains a module's and a
 * model.json's model, and a bad model file is exit 2 with one line naming it.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import * as tf from '@tensorflow/tfjs';
import { runCli, smallExperiment, writeConfig } from './helpers/cli';
import { saveModelFiles, sequentialClassifier } from './helpers/model-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const MODULE = `
module.exports.createModel = ({ tf, inputShape, outputUnits }) => tf.sequential({
  layers: [tf.layers.dense({ inputShape, units: 6, activation: 'relu' }), tf.layers.dense({ units: outputUnits, activation: 'softmax' })],
});
`;

describe('is-bench config', () => {
  test.each([
    [{ model: 'tiny-mlp' }, /^# model source: zoo \(tiny-mlp; /m, /^# loss: categorical_crossentropy \(classification, softmax over one-hot classes\)$/m],
    [{ model: { layers: [{ type: 'dense', units: 4 }, { type: 'dense', units: 3, activation: 'softmax' }] } }, /^# model source: layers \(2 layers: dense, dense\)$/m, /^# loss: categorical/m],
    [{ model: { path: 'net/model.json', initialWeights: 'seeded' } }, /^# model source: path \(tfjs Layers model \/.*\/net\/model\.json; initial weights re-initialised from seed 1\)$/m, /^# loss: categorical/m],
    [{ model: { module: './model.js' }, loss: 'huber', huberDelta: 0.5 }, /^# model source: module \(\/.*\/model\.js: createModel\(/m, /^# loss: huber \(regression, Huber loss; val_mae in place of accuracy, delta 0\.5\)$/m],
  ])('%j: the model source and the loss, and the YAML still parses to the config', async (over, model, loss) => {
    const file = writeConfig(smallExperiment(over));
    const r = await runCli('config', file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(model);
    expect(r.out).toMatch(loss);
    const doc = YAML.parse(r.out);
    expect(doc.loss).toBe((over as { loss?: string }).loss ?? 'categorical_crossentropy');
    if (typeof over.model === 'object' && ('path' in over.model || 'module' in over.model)) {
      // relative paths come out absolute, against the config's folder
      const value = (doc.model.path ?? doc.model.module) as string;
      expect(path.isAbsolute(value)).toBe(true);
      expect(value.startsWith(path.dirname(file))).toBe(true);
    }
  });
});

describe('is-bench run with the user model', () => {
  test('a module factory: exit 0, both arms trained', async () => {
    const file = writeConfig(smallExperiment({ model: { module: './model.js' }, epochs: 1 }));
    fs.writeFileSync(path.join(path.dirname(file), 'model.js'), MODULE);
    const r = await runCli('run', file, '--no-progress', '--backend', 'cpu', '--out', path.dirname(file));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out.split('\n').filter((l) => l.startsWith('Epoch 1/1 '))).toHaveLength(2);
  });

  test('a model.json with a truncated weights file: exit 2, one line naming the file', async () => {
    const file = writeConfig(smallExperiment({ model: { path: 'net/model.json' }, dataset: { name: 'synthetic', train: 64, test: 16, features: 4, classes: 3 } }));
    const folder = path.join(path.dirname(file), 'net');
    await saveModelFiles(sequentialClassifier(4, 3), folder);
    fs.truncateSync(path.join(folder, 'group1-shard1of1.bin'), 12);
    const r = await runCli('run', file, '--no-progress', '--backend', 'cpu', '--out', path.dirname(file));
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/net\/group1-shard1of1\.bin: 12 bytes of weights where model\.json's manifest group 0 needs \d+/);
  });
});
