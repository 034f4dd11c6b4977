/**
 * A model.json from the user: sequential and functional models saved as model.save() lays
 * them out, loaded from memory on the cpu backend, copied per arm with the file's weights (or
 * seeded ones), their final softmax split off without changing the function; bad manifests and
 * weight files as UserErrors naming the file; a run through a config.
 */
import * as fs from 'fs';
import { parse } from 'csv-parse/sync';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolveExperiment } from '../src/config/load';
import { UserError } from '../src/errors';
import { modelKernels, openModelSource, type ModelFacts } from '../src/models/model-source';
import { Rng } from '../src/rng';
import { resumeExperiment, runExperiment } from '../src/train/experiment';
import { tempDir, writeTree } from './helpers/data-fixtures';
import { functionalClassifier, saveModelFiles, sequentialClassifier } from './helpers/model-files';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dir = tempDir('isb-model-file-');
const facts = (over: Partial<ModelFacts> = {}): ModelFacts => ({
  sampleShape: [4],
  inputDtype: 'float32',
  numClasses: 3,
  outputUnits: 3,
  outputActivation: 'softmax',
  logits: true,
  seed: 5,
  ...over,
});

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

const x = () => tf.tensor2d(Array.from({ length: 24 }, (_, i) => Math.sin(i * 0.9) * 2), [6, 4]);

describe.each([
  ['sequential', () => sequentialClassifier(4, 3)],
  ['functional (add, concatenate, two branches)', () => functionalClassifier(4, 3)],
])('a saved %s model', (name, make) => {
  let original: tf.LayersModel;
  let file: string;
  beforeAll(async () => {
    original = make();
    file = await saveModelFiles(original, path.join(dir, name.split(' ')[0]));
  });

  test('every arm starts from the file weights, and the function is unchanged', async () => {
    const source = await openModelSource({ path: file, initialWeights: 'file' }, facts());
    expect(source.kind).toBe('path');
    const a = source.build(5, new Rng('a'));
    const b = source.build(5, new Rng('b'));
    expect(weightsOf(a.logits)).toEqual(weightsOf(original));
    expect(weightsOf(b.logits)).toEqual(weightsOf(original));
    // the copies are their own variables: training one leaves the other as it was
    expect(a.logits.trainableWeights[0].read()).not.toBe(b.logits.trainableWeights[0].read());
    expect(a.outputActivation).toBe('softmax');
    const input = x();
    const want = (original.predict(input) as tf.Tensor).arraySync() as number[][];
    const shown = (a.display.predict(input) as tf.Tensor).arraySync() as number[][];
    const fromLogits = tf.softmax(a.logits.predict(input) as tf.Tensor2D).arraySync();
    shown.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
    fromLogits.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(want[i][j], 6)));
    // the last logits layer is linear: the bound is taken before the softmax
    const last = a.logits.layers[a.logits.layers.length - 1];
    expect((last.getConfig() as { activation: string }).activation).toBe('linear');
    for (const m of [a, b]) m.logits.dispose();
    input.dispose();
    source.dispose();
  });

  test('initialWeights: seeded re-initialises from the seed: equal seeds equal weights, not the file', async () => {
    const source = await openModelSource({ path: file, initialWeights: 'seeded' }, facts());
    const a = weightsOf(source.build(7, new Rng('a')).logits);
    const b = weightsOf(source.build(7, new Rng('b')).logits);
    const c = weightsOf(source.build(8, new Rng('c')).logits);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(weightsOf(original)[0]);
    expect(a[0]).not.toEqual(c[0]);
    source.dispose();
  });
});

describe('bad model files', () => {
  let good: string;
  beforeAll(async () => {
    good = await saveModelFiles(sequentialClassifier(4, 3), path.join(dir, 'good'));
  });
  const variant = (name: string, edit: (doc: { weightsManifest: { paths: string[] }[] }) => void, weights?: Buffer) => {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder, { recursive: true });
    const doc = JSON.parse(fs.readFileSync(good, 'utf8'));
    edit(doc);
    fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify(doc));
    if (weights) fs.writeFileSync(path.join(folder, 'group1-shard1of1.bin'), weights);
    return path.join(folder, 'model.json');
  };
  const weights = () => fs.readFileSync(path.join(path.dirname(good), 'group1-shard1of1.bin'));
  const fails = async (file: string, pattern: RegExp) => {
    const err = await openModelSource({ path: file, initialWeights: 'file' }, facts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(pattern);
  };

  test('weights sharded over several files (as tensorflowjs_converter writes them, in a subfolder too) load as one', async () => {
    const folder = path.join(dir, 'sharded');
    fs.mkdirSync(path.join(folder, 'shards'), { recursive: true });
    const doc = JSON.parse(fs.readFileSync(good, 'utf8'));
    const bytes = weights();
    const cut = 40;
    fs.writeFileSync(path.join(folder, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
    fs.writeFileSync(path.join(folder, 'shards', 'group1-shard2of2.bin'), bytes.subarray(cut));
    doc.weightsManifest[0].paths = ['group1-shard1of2.bin', 'shards/group1-shard2of2.bin'];
    fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify(doc));
    const source = await openModelSource({ path: path.join(folder, 'model.json'), initialWeights: 'file' }, facts());
    const reference = await openModelSource({ path: good, initialWeights: 'file' }, facts());
    expect(weightsOf(source.build(1, new Rng('s')).logits)).toEqual(weightsOf(reference.build(1, new Rng('r')).logits));
    source.dispose();
    reference.dispose();
  });

  test('a weights path leaving the model folder is refused, naming the model.json', async () => {
    const file = variant('escape', (d) => (d.weightsManifest[0].paths = ['../good/group1-shard1of1.bin']));
    await fails(file, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: weight file "\\.\\./good/group1-shard1of1\\.bin" is not inside`));
  });

  test('a missing weights file names that file', async () => {
    const file = variant('missing', () => undefined);
    await fails(file, /missing\/group1-shard1of1\.bin: no such file/);
  });

  test('a short weights file names it and the bytes it lacks', async () => {
    const file = variant('short', () => undefined, weights().subarray(0, 20));
    const expected = weights().length;
    await fails(file, new RegExp(`short/group1-shard1of1\\.bin: 20 bytes of weights where model\\.json's manifest group 0 needs ${expected}`));
  });

  test('a file that is not a model.json, and a model whose output does not fit the data', async () => {
    const notModel = path.join(dir, 'not-model.json');
    fs.writeFileSync(notModel, '{"hello": 1}');
    await fails(notModel, /no modelTopology/);
    const err = await openModelSource({ path: good, initialWeights: 'file' }, facts({ numClasses: 5, outputUnits: 5 })).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/output has shape \[3\] per sample; the dataset needs 5 outputs/);
    const wrongInput = await openModelSource({ path: good, initialWeights: 'file' }, facts({ sampleShape: [7] })).catch((e: unknown) => e);
    expect((wrongInput as Error).message).toMatch(/takes inputs of shape \[4\], but the dataset's samples have shape \[7\]/);
  });
});

describe('through a config', () => {
  test('uniform and upper-bound on a csv with a saved functional model, path relative to the config', async () => {
    const previousCache = process.env.IS_BENCH_CACHE;
    process.env.IS_BENCH_CACHE = tempDir('isb-model-cache-');
    try {
      const root = tempDir('isb-model-run-');
      const rows = (n: number, off: number) =>
        Array.from({ length: n }, (_, i) => {
          const c = (i * 7 + off) % 3;
          return `${[0, 1, 2, 3].map((j) => (c + Math.sin(i + j + off)).toFixed(3)).join(',')},k${c}`;
        }).join('\n');
      writeTree(root, { 'train.csv': `a,b,c,d,label\n${rows(48, 0)}\n`, 'test.csv': `a,b,c,d,label\n${rows(12, 1)}\n` });
      await saveModelFiles(functionalClassifier(4, 3), path.join(root, 'net'));
      const cfg = resolveExperiment(
        {
          name: 'loaded',
          dataset: { format: 'csv', train: 'train.csv', test: 'test.csv', label: 'label' },
          model: { path: 'net/model.json' },
          optimizer: { name: 'sgd', learningRate: 0.05 },
          loss: 'categorical_crossentropy',
          epochs: 1,
          batchSize: 8,
          arms: [
            { name: 'uniform', strategy: 'uniform' },
            { name: 'importance', strategy: 'upper-bound' },
          ],
        },
        'exp.yaml',
        root,
      );
      expect(cfg.model).toEqual({ path: path.join(root, 'net/model.json'), initialWeights: 'file' });
      const { summary } = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir('isb-model-out-'), checkpoint: false });
      expect(summary.status).toBe('finished');
      expect(summary.arms.map((a) => a.final?.epoch)).toEqual([1, 1]);
    } finally {
      if (previousCache === undefined) delete process.env.IS_BENCH_CACHE;
      else process.env.IS_BENCH_CACHE = previousCache;
    }
  });
});

test('a loaded model with dropout: a run stopped mid-epoch and resumed equals an uninterrupted run', async () => {
  const root = tempDir('isb-model-resume-');
  const file = await saveModelFiles(sequentialClassifier(4, 3), path.join(root, 'net'));
  const cfg = resolveExperiment(
    {
      name: 'resume-loaded',
      dataset: { name: 'synthetic', features: 4, classes: 3, train: 96, test: 24 },
      model: { path: file },
      optimizer: { name: 'adam', learningRate: 0.01 },
      loss: 'categorical_crossentropy',
      epochs: 3,
      batchSize: 8,
      arms: [
        { name: 'uniform', strategy: 'uniform' },
        { name: 'importance', strategy: 'upper-bound', tau_th: 1.0001 },
      ],
    },
    'resume.yaml',
  );
  const metrics = (dir: string, arm: string) =>
    (parse(fs.readFileSync(path.join(dir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[]).map((r) =>
      ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'tau'].map((m) => r[m]),
    );
  const full = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir('isb-model-resume-out-') });
  let steps = 0;
  const cut = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir('isb-model-resume-out-'), shouldStop: () => ++steps > 12 * 2 + 5 });
  expect(cut.summary.status).toBe('interrupted');
  const resumed = await resumeExperiment(cut.dir, { backend: 'cpu' });
  expect(resumed.summary.status).toBe('finished');
  for (const arm of ['uniform', 'importance']) expect(metrics(resumed.dir, arm)).toEqual(metrics(full.dir, arm));
  // the dropout layer draws from the arm's seeded stream: two uninterrupted runs agree too
  const again = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir('isb-model-resume-out-'), checkpoint: false });
  expect(metrics(again.dir, 'uniform')).toEqual(metrics(full.dir, 'uniform'));
});

test('on the wasm backend (no file:// handler there) the same files load and predict as on cpu', async () => {
  const original = functionalClassifier(4, 3);
  const file = await saveModelFiles(original, path.join(dir, 'wasm'));
  const input = [[0.5, -1, 2, 0.25], [1, 1, -0.5, 0]];
  const predict = async (backend: 'cpu' | 'wasm') => {
    await tf.setBackend(backend);
    const source = await openModelSource({ path: file, initialWeights: 'file' }, facts());
    const m = source.build(5, new Rng('w'));
    const x = tf.tensor2d(input);
    const p = (m.display.predict(x) as tf.Tensor).arraySync() as number[][];
    x.dispose();
    m.logits.dispose();
    source.dispose();
    return p;
  };
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  try {
    const onWasm = await predict('wasm');
    const onCpu = await predict('cpu');
    onWasm.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(onCpu[i][j], 5)));
  } finally {
    await tf.setBackend('cpu');
  }
});

test('the kernels a model.json needs are read from its topology before any backend is chosen', async () => {
  const conv = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3 }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  const file = await saveModelFiles(conv, path.join(dir, 'conv'));
  expect(modelKernels({ path: file, initialWeights: 'file' }, facts({ sampleShape: [6, 6, 1] })).sort()).toEqual(
    ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad'],
  );
  expect(modelKernels({ path: await saveModelFiles(sequentialClassifier(4, 3), path.join(dir, 'mlp-kernels')), initialWeights: 'file' }, facts())).toEqual([]);
});
