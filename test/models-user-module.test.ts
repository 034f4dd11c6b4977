/**
 * model: {module: ./model.js}: the factory receives is-bench's tf and the dataset's facts, is
 * called once per run, and every arm gets a copy with identical weights; modules that export no
 * factory, throw, or return something that is not this tf's LayersModel are UserErrors naming the file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment } from '../src/config/load';
import { UserError } from '../src/errors';
import { openModelSource, type ModelFacts } from '../src/models/model-source';
import { Rng } from '../src/rng';
import { tempDir } from './helpers/data-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dir = tempDir('isb-model-module-');
const facts: ModelFacts = { sampleShape: [4], inputDtype: 'float32', numClasses: 3, outputUnits: 3, outputActivation: 'softmax', logits: true, seed: 11 };

const FACTORY = `
module.exports.calls = [];
module.exports.createModel = ({ tf, inputShape, numClasses, outputUnits, seed }) => {
  module.exports.calls.push({ inputShape, numClasses, outputUnits, seed, sameTf: typeof tf.sequential });
  const input = tf.input({ shape: inputShape });
  const h = tf.layers.dense({ units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }).apply(input);
  const skip = tf.layers.dense({ units: 8 }).apply(input);
  const joined = tf.layers.add().apply([h, skip]);
  const out = tf.layers.dense({ units: outputUnits, activation: 'softmax' }).apply(joined);
  return tf.model({ inputs: input, outputs: out });
};
`;

function writeModule(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('a model factory module', () => {
  test('called once with tf and the dataset facts; every arm a copy with identical weights', async () => {
    const file = writeModule('model.js', FACTORY);
    const before = tf.memory().numTensors;
    const source = await openModelSource({ module: file }, facts);
    expect(source.kind).toBe('module');
    const arms = [source.build(11, new Rng('a')), source.build(11, new Rng('b')), source.build(11, new Rng('c'))];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const calls = (require(file) as { calls: unknown[] }).calls;
    expect(calls).toEqual([{ inputShape: [4], numClasses: 3, outputUnits: 3, seed: 11, sameTf: 'function' }]);
    const weights = arms.map((m) => m.logits.getWeights().map((w) => Array.from(w.dataSync())));
    expect(weights[1]).toEqual(weights[0]);
    expect(weights[2]).toEqual(weights[0]);
    expect(arms[0].outputActivation).toBe('softmax');
    arms.forEach((m) => m.logits.dispose());
    source.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('the config resolves the module path against its folder', () => {
    const cfg = resolveExperiment(
      {
        name: 'm',
        dataset: { name: 'synthetic' },
        model: { module: './model.js' },
        optimizer: { name: 'sgd' },
        loss: 'categorical_crossentropy',
        epochs: 1,
        batchSize: 4,
        arms: [{ name: 'u', strategy: 'uniform' }],
      },
      'exp.yaml',
      dir,
    );
    expect(cfg.model).toEqual({ module: path.join(dir, 'model.js') });
  });

  test.each([
    ['no-factory.js', 'module.exports.build = () => null;', /no-factory\.js: exports no function createModel/],
    ['throws.js', 'module.exports.createModel = () => { throw new Error("no GPU"); };', /throws\.js: createModel threw: no GPU/],
    ['not-a-model.js', 'module.exports.createModel = () => 42;', /not-a-model\.js: createModel must return a tf\.LayersModel \(got number\)/],
    ['other-tf.js', 'module.exports.createModel = () => ({ predict() {}, layers: [] });', /other-tf\.js: createModel returned a model built with another copy of tfjs; build it with the tf argument/],
    ['syntax.js', 'module.exports.createModel = (', /syntax\.js: the module failed to load/],
  ])('%s is a UserError naming the file', async (name, text, pattern) => {
    const file = writeModule(name, text);
    const err = await openModelSource({ module: file }, facts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(pattern);
  });

  test('a missing module', async () => {
    const err = await openModelSource({ module: path.join(dir, 'absent.js') }, facts).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/absent\.js: no such file \(model\.module\)/);
  });
});
