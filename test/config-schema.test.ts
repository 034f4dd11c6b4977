import * as fs from 'fs';
import * as path from 'path';
import { builtinExperimentNames, CONFIG_DIR, loadExperiment, readConfigFile, resolveExperiment } from '../src/config/load';
import { UserError } from '../src/errors';
import { runCli, smallExperiment, writeConfig } from './helpers/cli';

describe('built-in experiments', () => {
  test('every configs/*.yaml is valid and resolves with defaults filled in', () => {
    const names = builtinExperimentNames();
    expect(names).toEqual(expect.arrayContaining(['smoke', 'mnist-mlp', 'mnist-cnn']));
    for (const name of names) {
      const { config } = loadExperiment(name);
      expect(config.name).toBe(name);
      expect(config.optimizer.learningRate).toBeGreaterThan(0);
      expect(config.arms.length).toBeGreaterThan(0);
    }
  });

  test('mnist-mlp is the reference example: RMSprop, batch 128, 20 epochs', () => {
    const { config } = loadExperiment('mnist-mlp');
    expect(config).toMatchObject({ model: 'mnist-mlp', batchSize: 128, epochs: 20, loss: 'categorical_crossentropy' });
    expect(config.optimizer).toMatchObject({ name: 'rmsprop', learningRate: 0.001, rho: 0.9 });
  });

  // The page's example scripts (commit 0cb4b52 of idiap/importance-sampling) call the 2017
  // ImportanceTraining: presample=1024 absolute, the loss as score, smooth 0, k 0.5 except Reuters'
  // k=1.0; batch 128 for MNIST, 32 for the text tasks. The 2018 tau-gated method runs beside it.
  test.each([
    ['mnist-mlp', 128, 0.5, 1024],
    ['mnist-cnn', 128, 0.5, 128],
    ['reuters-mlp', 32, 1.0, 128],
    ['imdb-fasttext', 32, 0.5, 128],
  ])('%s runs uniform, the page\'s 2017 ImportanceTraining and the 2018 one with the page\'s settings', (name, batchSize, k, forwardBatchSize) => {
    const { config } = loadExperiment(name);
    expect(config.batchSize).toBe(batchSize);
    expect(config.arms.map((a) => [a.name, a.strategy])).toEqual([
      ['uniform', 'uniform'],
      ['importance', 'biased'],
      ['upper-bound', 'upper-bound'],
    ]);
    expect(config.arms[1].params).toMatchObject({ presample: 1024, score: 'loss', smooth: 0, adaptive_smoothing: false, k, forward_batch_size: forwardBatchSize });
    expect(config.arms[2].params).toMatchObject({ presample: 3, score: 'gnorm' });
    expect(config.arms[2].params.tau_th).toBeUndefined(); // automatic: (B + 3b) / 3b
    // the report compares the page's importance run with the arm of the page's method
    expect(config.reference).toMatchObject({ arms: { uniform: 'uniform', importance: 'importance' } });
    expect(String(config.reference?.page)).toMatch(/^the Examples page .*http:\/\/idiap\.ch\/~katharas\/importance-sampling\/examples\//);
  });

  test('mnist-cnn uses Adadelta with the Keras learning rate 1.0 and 12 epochs', () => {
    const { config } = loadExperiment('mnist-cnn');
    expect(config.optimizer).toMatchObject({ name: 'adadelta', learningRate: 1.0, rho: 0.95 });
    expect(config.epochs).toBe(12);
  });
});

describe('bad configs are rejected before training with the field named', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['presample as text', smallExperiment({ arms: [{ name: 'a', strategy: 'uniform' }, { name: 'b', strategy: 'upper-bound', presample: 'three' }] }), /arms\[1\]\.presample must be a number > 1 \(got "three"\)/],
    ['presample <= 1', smallExperiment({ arms: [{ name: 'b', strategy: 'upper-bound', presample: 1 }] }), /arms\[0\]\.presample must be a number > 1 \(got 1\)/],
    ['unknown strategy', smallExperiment({ arms: [{ name: 'a', strategy: 'magic' }] }), /arms\[0\]\.strategy must be one of .*uniform.*\(got "magic"\)/],
    ['unknown arm parameter', smallExperiment({ arms: [{ name: 'a', strategy: 'uniform', presample: 3 }] }), /arms\[0\]: unknown key "presample"/],
    ['negative epochs', smallExperiment({ epochs: -1 }), /epochs must be an integer > 0 \(got -1\)/],
    ['fractional batch size', smallExperiment({ batchSize: 12.5 }), /batchSize must be an integer > 0 \(got 12.5\)/],
    ['unknown top-level key', smallExperiment({ epochz: 3 }), /unknown key "epochz"/],
    ['missing model', (() => { const e = smallExperiment(); delete e.model; return e; })(), /model is required/],
    ['unknown optimizer', smallExperiment({ optimizer: { name: 'lion' } }), /optimizer\.name must be one of sgd, rmsprop/],
    ['unknown dataset', smallExperiment({ dataset: { name: 'nosuch' } }), /dataset\.name must be one of .*\(got "nosuch"\)/],
    ['bad dataset option', smallExperiment({ dataset: { name: 'synthetic', classes: 1 } }), /dataset\.classes must be an integer >= 2 and <= 10000 \(got 1\)/],
    ['unknown zoo model', smallExperiment({ model: 'resnet-1000' }), /model must be a zoo model/],
    ['bad layer type', smallExperiment({ model: { layers: [{ type: 'transformer', units: 3 }] } }), /model\.layers\[0\]\.type must be one of dense/],
    ['dropout rate 1', smallExperiment({ model: { layers: [{ type: 'dropout', rate: 1 }, { type: 'dense', units: 3 }] } }), /model\.layers\[0\]\.rate must be a number >= 0 and < 1 \(got 1\)/],
    ['duplicate arm names', smallExperiment({ arms: [{ name: 'a', strategy: 'uniform' }, { name: 'a', strategy: 'uniform' }] }), /arms\[1\]\.name "a" is used by another arm/],
    ['no arms', smallExperiment({ arms: [] }), /arms must be a list of at least 1 item \(got \[\]\)/],
    ['wrong loss', smallExperiment({ loss: 'hinge' }), /loss must be one of categorical_crossentropy, sparse_categorical_crossentropy, binary_crossentropy, mse, mae, huber \(got "hinge"\)/],
  ];

  test.each(cases)('%s', async (_label, doc, message) => {
    const file = writeConfig(doc);
    const r = await runCli('run', file, '--no-progress', '--out', path.dirname(file));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toContain(path.basename(file)); // names the file
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]); // nothing ran, nothing written
  });

  test('YAML syntax errors name the file and line', async () => {
    const file = writeConfig('name: x\ndataset: [unclosed\n', 'broken.yaml');
    const r = await runCli('run', file);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml:\d+: invalid YAML/);
  });

  test('a JSON config uses the same schema', () => {
    const file = writeConfig(smallExperiment(), 'exp.json');
    const cfg = resolveExperiment(readConfigFile(file), 'exp.json');
    expect(cfg.arms[1].params).toMatchObject({ presample: 3, score: 'gnorm' });
  });

  test('an unknown experiment name lists the built-in names', async () => {
    const r = await runCli('no-such-experiment');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown experiment "no-such-experiment" \(built-in: .*mnist-mlp.*smoke/);
  });

  test('a missing file lists the built-in names', () => {
    expect(() => loadExperiment('nowhere/exp.yaml')).toThrow(UserError);
    expect(() => loadExperiment('nowhere/exp.yaml')).toThrow(/no such file \(built-in experiments: .*smoke/);
  });

  test('the config folder holds only YAML experiments', () => {
    expect(fs.readdirSync(CONFIG_DIR).every((f) => f.endsWith('.yaml'))).toBe(true);
  });
});
