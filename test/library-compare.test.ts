import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { compare } from '../src/campaign/compare';
import { UserError } from '../src/errors';
import { Rng } from '../src/rng';
import { parseRunSummary, type RunSummary } from '../src/record/run-summary';
import { runCli, tempDir } from './helpers/cli';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Three Gaussian blobs in 4 dimensions, seeded. */
function blobs(n: number, seed: number): { x: number[][]; labels: number[] } {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, () => rng.int(3));
  return { x: labels.map((c) => [2 * c, -2 * c, c, 0].map((m) => m + (rng.next() - 0.5))), labels };
}

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }), tf.layers.dense({ units: 3, activation: 'softmax' })],
  });
}

/** The result survives the trip through summary.json's reader: it is that file's object. */
const reparsed = (s: RunSummary) => parseRunSummary(JSON.stringify(s), 'result');

describe('compare', () => {
  test('a tf.LayersModel on arrays: one summary entry per arm, the same initial weights in every arm, the caller model untouched, silent, no files', async () => {
    const train = blobs(120, 1);
    const val = blobs(40, 2);
    const model = mlp();
    const start = model.getWeights().map((w) => Array.from(w.dataSync()));
    const before = tf.memory().numTensors;
    const cwdFiles = fs.readdirSync(process.cwd());
    const spies = [jest.spyOn(process.stdout, 'write'), jest.spyOn(process.stderr, 'write'), jest.spyOn(console, 'log'), jest.spyOn(console, 'warn')];
    let summary: RunSummary;
    try {
      summary = await compare({
        model,
        data: { x: train.x, y: train.labels, validation: [val.x, val.labels] },
        arms: ['uniform', { name: 'uniform-again', strategy: 'uniform' }, { strategy: 'upper-bound', presample: 3 }],
        epochs: 2,
        batchSize: 16,
        seed: 3,
        backend: 'cpu',
      });
      spies.forEach((s) => expect(s).not.toHaveBeenCalled());
    } finally {
      spies.forEach((s) => s.mockRestore());
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(fs.readdirSync(process.cwd())).toEqual(cwdFiles);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(start);

    const parsed = reparsed(summary);
    expect(parsed.status).toBe('finished');
    expect(parsed.arms.map((a) => [a.name, a.strategy, a.epochsCompleted])).toEqual([
      ['uniform', 'uniform', 2],
      ['uniform-again', 'uniform', 2],
      ['upper-bound', 'upper-bound', 2],
    ]);
    expect(parsed.arms[0].baseline).toBe(true);
    expect(parsed.dataset).toMatchObject({ source: 'arrays passed to compare', train: 120, validation: 40 });
    // two arms with one strategy, one seed and copies of one model: the same run twice
    expect(parsed.arms[1].final!.val_loss).toBe(parsed.arms[0].final!.val_loss);
    expect(parsed.arms[1].final!.loss).toBe(parsed.arms[0].final!.loss);
    expect(parsed.arms[2].params.presample).toBe(3);
    model.dispose();
  });

  test('dropout in the caller\'s model draws from each arm\'s seeded stream: two arms alike run alike', async () => {
    const train = blobs(64, 9);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 16, activation: 'relu' }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const summary = await compare({ model, data: { x: train.x, y: train.labels, validation: [train.x, train.labels] }, arms: ['uniform', { name: 'again', strategy: 'uniform' }], epochs: 2, batchSize: 16, backend: 'cpu' });
    // tfjs's own Dropout draws from Math.random: two arms would differ in their training loss
    expect(summary.arms[1].final!.loss).toBe(summary.arms[0].final!.loss);
    expect(summary.arms[1].final!.val_loss).toBe(summary.arms[0].final!.val_loss);
    model.dispose();
  });

  test('verbose prints the CLI\'s plain lines; callbacks hear every arm by name', async () => {
    const train = blobs(48, 7);
    const model = mlp();
    const heard: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await compare({
        model,
        data: { x: train.x, y: train.labels },
        arms: ['uniform', 'upper-bound'],
        epochs: 2,
        batchSize: 16,
        backend: 'cpu',
        verbose: true,
        callbacks: { onEpochEnd: (e, r, arm) => heard.push(`${arm} ${e} ${r.epoch}`) },
      });
      const lines = out.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('Epoch '));
      expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['Epoch 1/2 uniform', 'Epoch 1/2 upper-bound', 'Epoch 2/2 uniform', 'Epoch 2/2 upper-bound']);
    } finally {
      out.mockRestore();
    }
    expect(heard).toEqual(['uniform 0 1', 'upper-bound 0 1', 'uniform 1 2', 'upper-bound 1 2']);
    model.dispose();
  });

  test('a config model and dataset, with out: the files of a CLI run, and is-bench report reads them', async () => {
    const out = tempDir();
    const summary = await compare({
      model: 'tiny-mlp',
      data: { name: 'synthetic', train: 200, test: 60, features: 6, classes: 3 },
      arms: ['uniform', { name: 'importance', strategy: 'upper-bound' }],
      epochs: 2,
      batchSize: 16,
      name: 'library-demo',
      out,
      backend: 'cpu',
    });
    const runDir = path.join(out, 'library-demo', summary.runId);
    const files = fs.readdirSync(runDir);
    expect(files).toEqual(expect.arrayContaining(['summary.json', 'uniform.csv', 'importance.csv']));
    const written = parseRunSummary(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'), 'summary.json');
    // the returned object is the file's, but for the time it was written
    expect({ ...reparsed(summary), updatedAt: undefined }).toEqual({ ...written, updatedAt: undefined });
    expect(fs.readFileSync(path.join(runDir, 'uniform.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    const report = await runCli('report', out);
    expect(report.code).toBe(0);
    expect(report.out).toMatch(/importance/);
  });

  test('the caller\'s arrays with out: CSVs and summary.json, no checkpoints (the arrays are in no file to resume from)', async () => {
    const out = tempDir();
    const train = blobs(64, 5);
    const model = mlp();
    const summary = await compare({ model, data: { x: train.x, y: train.labels, validation: { x: train.x, y: train.labels } }, arms: ['uniform', 'upper-bound'], epochs: 1, batchSize: 16, out, backend: 'cpu' });
    const runDir = path.join(out, 'compare', summary.runId);
    expect(fs.readdirSync(runDir)).toEqual(expect.arrayContaining(['summary.json', 'uniform.csv', 'upper-bound.csv']));
    expect(fs.existsSync(path.join(runDir, 'checkpoints'))).toBe(false);
    expect((await runCli('report', runDir)).code).toBe(0);
    model.dispose();
  });

  test('a model factory on a config dataset: called once; every arm trains a copy', async () => {
    let calls = 0;
    const summary = await compare({
      model: () => {
        calls++;
        return tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 4, activation: 'softmax' })] });
      },
      data: { name: 'synthetic', train: 100, test: 40, features: 5, classes: 4 },
      arms: ['uniform', 'upper-bound'],
      epochs: 1,
      batchSize: 10,
      backend: 'cpu',
    });
    expect(calls).toBe(1);
    expect(summary.arms.map((a) => a.epochsCompleted)).toEqual([1, 1]);
    expect(summary.config.model).toMatch(/^factory: tf\.LayersModel sequential/);
  });

  test('a config layer list on arrays: the classes come from the targets', async () => {
    const train = blobs(90, 4);
    const summary = await compare({
      model: { layers: [{ type: 'dense', units: 6, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }] },
      data: { x: tf.tensor2d(train.x), y: train.labels },
      arms: ['uniform'],
      epochs: 1,
      batchSize: 15,
      backend: 'cpu',
    });
    expect(summary.arms[0].final!.steps).toBe(6);
    // no validation data: val_* are not measured
    expect(Number.isNaN(summary.arms[0].final!.val_loss)).toBe(true);
  });

  test.each([
    ['a config model', () => 'mnist-mlp'],
    ['a tf.LayersModel', () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 10, activation: 'softmax' })] })],
  ])('dataDir is where a dataset block\'s files are looked for first (%s)', async (_name, model) => {
    // an MNIST copy in <dataDir>/mnist whose training images are an empty file: the error names that file
    const dataDir = tempDir();
    const dir = path.join(dataDir, 'mnist');
    fs.mkdirSync(dir);
    const idx = (dims: number[]) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      header[2] = 0x08;
      header[3] = dims.length;
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      return Buffer.concat([header, Buffer.alloc(dims.reduce((a, b) => a * b, 1))]);
    };
    fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), '');
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idx([4]));
    fs.writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), idx([2, 28, 28]));
    fs.writeFileSync(path.join(dir, 't10k-labels-idx1-ubyte'), idx([2]));
    const call = compare({ model: model(), data: { name: 'mnist' }, dataDir, arms: ['uniform'], epochs: 1, batchSize: 2, backend: 'cpu' });
    await expect(call).rejects.toThrow(UserError);
    await expect(compare({ model: model(), data: { name: 'mnist' }, dataDir, arms: ['uniform'], epochs: 1, batchSize: 2, backend: 'cpu' })).rejects.toThrow(
      `${path.join(dir, 'train-images-idx3-ubyte')}: not an IDX file (only 0 bytes)`,
    );
  });

  const model = mlp();
  const data = { x: [[0, 0, 0, 0]], y: [0] };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no arms', { arms: [] }, /compare\.arms/],
    ['a bad strategy parameter', { arms: ['uniform', { strategy: 'upper-bound', presample: 'x' }] }, /compare: arms\[1\]\.presample must be/],
    ['two arms of one name', { arms: ['uniform', 'uniform'] }, /arms\[1\]\.name "uniform" is used by another arm/],
    ['an unknown option', { epoch: 3 }, /unknown key "epoch"/],
    ['a bad experiment name', { name: '../up' }, /compare\.name: must start with a letter or digit/],
    ['a loss the model cannot have', { loss: 'binary_crossentropy' }, /loss binary_crossentropy does not fit the model's softmax output/],
    ['a dataset the model does not fit', { data: { name: 'synthetic', features: 7 } }, /dataset synthetic has samples of shape \[7\] and 4 outputs, but the model takes \[4\] and has 3/],
    ['no model', { model: undefined }, /compare: model is required/],
  ];
  test.each(cases)('%s is a UserError, and nothing is left behind', async (_name, change, message) => {
    const before = tf.memory().numTensors;
    const call = compare({ model, data, arms: ['uniform'], epochs: 1, batchSize: 1, backend: 'cpu', ...change } as never);
    await expect(call).rejects.toThrow(UserError);
    await expect(compare({ model, data, arms: ['uniform'], epochs: 1, batchSize: 1, backend: 'cpu', ...change } as never)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});
