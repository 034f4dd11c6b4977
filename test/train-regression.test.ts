/**
 * Regression end to end: a csv with a numeric target trained with mse, mae and huber, uniform
 * against the strategies that need a loss or gradient score (upper-bound, selective-backprop),
 * val_mae in the CSV in place of accuracy; losses that do not fit the targets or the model
 * refused; the planned native step plans mse and leaves mae and Huber to tfjs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resolveExperiment } from '../src/config/load';
import { loadNativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';
import { UserError } from '../src/errors';
import { buildModel } from '../src/models/build';
import { Rng } from '../src/rng';
import { metricsText } from '../src/record/format';
import { lossOfName } from '../src/train/losses';
import { PlannedTraining } from '../src/train/native-step';
import { createOptimizer } from '../src/train/optimizer';
import { runExperiment } from '../src/train/experiment';
import { tempDir, writeTree } from './helpers/data-fixtures';
import { saveModelFiles } from './helpers/model-files';

const previousCache = process.env.IS_BENCH_CACHE;
beforeAll(() => {
  process.env.IS_BENCH_CACHE = tempDir('isb-regression-cache-');
});
afterAll(() => {
  if (previousCache === undefined) delete process.env.IS_BENCH_CACHE;
  else process.env.IS_BENCH_CACHE = previousCache;
});

const root = tempDir('isb-regression-');
/** price = 2 a - b + 0.5 c + a small wobble, deterministic. */
function housesCsv(n: number, offset: number): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const [a, b, c] = [0, 1, 2].map((j) => Math.sin(i * 1.31 + j * 2.1 + offset));
    return `${a.toFixed(4)},${b.toFixed(4)},${c.toFixed(4)},${(2 * a - b + 0.5 * c + 0.05 * Math.cos(i * 7.7)).toFixed(4)}`;
  });
  return `a,b,c,price\n${rows.join('\n')}\n`;
}
writeTree(root, { 'train.csv': housesCsv(120, 0), 'test.csv': housesCsv(30, 0.5), 'classes.csv': 'a,b,label\n1,2,x\n2,1,y\n1,1,x\n2,2,y\n' });

const LINEAR_MODEL = { layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 1 }] };

function experiment(loss: string, model: unknown = LINEAR_MODEL, extra: Record<string, unknown> = {}) {
  return resolveExperiment(
    {
      name: `houses-${loss}`,
      dataset: { format: 'csv', train: 'train.csv', test: 'test.csv', label: 'price', target: 'regression' },
      model,
      optimizer: { name: 'adam', learningRate: 0.02 },
      loss,
      epochs: 3,
      batchSize: 10,
      seed: 2,
      arms: [
        { name: 'uniform', strategy: 'uniform' },
        { name: 'upper-bound', strategy: 'upper-bound', tau_th: 1.0001 },
        { name: 'selective-backprop', strategy: 'selective-backprop', warmup_epochs: 0 },
      ],
      ...extra,
    },
    'houses.yaml',
    root,
  );
}

const rowsOf = (dir: string, arm: string) => parse(fs.readFileSync(path.join(dir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[];

describe('a regression run', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test.each(['mse', 'mae', 'huber'])('%s: uniform, upper-bound and selective-backprop train; val_mae in place of accuracy', async (loss) => {
    const { summary, dir } = await runExperiment(experiment(loss, LINEAR_MODEL, loss === 'huber' ? { huberDelta: 0.5 } : {}), {
      backend: 'cpu',
      outDir: tempDir('isb-regression-out-'),
      checkpoint: false,
    });
    expect(summary.status).toBe('finished');
    for (const arm of ['uniform', 'upper-bound', 'selective-backprop']) {
      const rows = rowsOf(dir, arm);
      expect(rows).toHaveLength(3);
      const mae = rows.map((r) => Number(r.val_mae));
      expect(mae.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
      // accuracy has no meaning for a regression target: empty cells
      expect(rows.map((r) => r.val_accuracy)).toEqual(['', '', '']);
      expect(Number(rows[2].val_loss)).toBeLessThan(Number(rows[0].val_loss) + 1e-9);
    }
    // tau_th just above 1 switches importance sampling on as soon as the scores differ; mae's
    // bound |sign(z - y)| / d is the same for every sample, so its scores never differ
    const active = Number(rowsOf(dir, 'upper-bound')[2].is_active);
    if (loss === 'mae') expect(active).toBe(0);
    else expect(active).toBeGreaterThan(0);
  });

  test('a saved model.json trains on a regression target with its output as the prediction', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 6, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
    const file = await saveModelFiles(model, path.join(root, 'reg-model'));
    const { summary } = await runExperiment(experiment('mse', { path: file }), { backend: 'cpu', outDir: tempDir('isb-regression-out-'), checkpoint: false });
    expect(summary.status).toBe('finished');
  });
});

describe('losses that do not fit', () => {
  const fails = async (cfg: ReturnType<typeof experiment>, pattern: RegExp) => {
    const err = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir('isb-regression-out-'), checkpoint: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(pattern);
  };

  test('a cross-entropy on a regression target names the regression losses', async () => {
    await fails(experiment('categorical_crossentropy'), /is a classification loss, but dataset train has regression targets .*use loss mse, mae or huber/);
  });

  test('a regression loss on class labels names the cross-entropy to use', async () => {
    const cfg = resolveExperiment(
      { name: 'c', dataset: { format: 'csv', path: 'classes.csv', label: 'label', validation: { holdout: 0.5 } }, model: LINEAR_MODEL, optimizer: { name: 'sgd' }, loss: 'mse', epochs: 1, batchSize: 1, arms: [{ name: 'u', strategy: 'uniform' }] },
      'c.yaml',
      root,
    );
    await fails(cfg, /loss mse is a regression loss, but dataset classes has categorical labels: use categorical_crossentropy/);
  });

  test('a layer list ending in a sigmoid under mse', async () => {
    await fails(experiment('mse', { layers: [{ type: 'dense', units: 1, activation: 'sigmoid' }] }), /loss mse takes the model's output as the prediction, but the layer list ends in a sigmoid/);
  });

  test('ordered-sgd, whose schedule reads the training accuracy, is refused for a regression', async () => {
    const cfg = experiment('mse');
    await fails({ ...cfg, arms: [...cfg.arms, { name: 'osgd', strategy: 'ordered-sgd', params: {} }] }, /^arms osgd: strategy ordered-sgd needs an accuracy \(it lowers q when the training accuracy reaches accuracy_steps\), which loss mse \(a regression\) has not/);
  });

  test('huberDelta without loss: huber is a config problem', () => {
    expect(() => experiment('mse', LINEAR_MODEL, { huberDelta: 2 })).toThrow(/huberDelta is Huber's delta: it needs loss: huber \(got loss: mse\)/);
  });
});

const { addon } = loadNativeAddon();
const nativeSuite = addon && process.env.IS_BENCH_NATIVE !== '0' ? describe : describe.skip;

nativeSuite('the planned native step and the regression losses', () => {
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
  });
  afterAll(() => disableNativeKernels());

  test('mse is planned; mae and huber fall back to tfjs', () => {
    const model = buildModel([{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 2, activation: 'linear' }], { inputShape: [3], inputDtype: 'float32', seed: 1, dropoutRng: new Rng('d') });
    const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    expect(PlannedTraining.create(model, optimizer, lossOfName('mse'))).toBeDefined();
    expect(PlannedTraining.create(model, optimizer, lossOfName('mae'))).toBeUndefined();
    expect(PlannedTraining.create(model, optimizer, lossOfName('huber', 1))).toBeUndefined();
    model.logits.dispose();
    optimizer.dispose();
  });
});

test('a regression epoch line shows val_mae where accuracy would be', () => {


  expect(metricsText({ loss: 0.5, accuracy: NaN, val_loss: 0.25, val_accuracy: NaN, extra: { val_mae: 0.125 } })).toBe('loss: 0.5000 - val_loss: 0.2500 - val_mae: 0.1250');
  expect(metricsText({ loss: 0.5, accuracy: 0.75, val_loss: 0.25, val_accuracy: 0.5 }, true)).toBe('loss: 0.5000 - acc: 0.7500 - val_loss: 0.2500 - val_acc: 0.5000');
});
