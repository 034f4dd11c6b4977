import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { parse } from 'csv-parse/sync';
import { resolveExperiment } from '../src/config/load';
import { buildModel } from '../src/models/build';
import { getZooModel } from '../src/models/zoo';
import { Rng } from '../src/rng';
import { runExperiment } from '../src/train/experiment';
import { EPOCH_COLUMNS } from '../src/spec';
import { smallExperiment, tempDir } from './helpers/cli';

const METRICS = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'steps', 'forward_samples', 'backward_samples', 'is_active', 'tau'];

function readCsv(file: string): Record<string, string>[] {
  return parse(fs.readFileSync(file, 'utf8'), { columns: true });
}

async function run(overrides: Record<string, unknown> = {}) {
  const cfg = resolveExperiment(smallExperiment(overrides), 'test');
  return runExperiment(cfg, { backend: 'cpu', outDir: tempDir() });
}

test('every arm starts from the same initial weights (seeded initialisers)', async () => {
  await tf.setBackend('cpu');
  const layers = getZooModel('mnist-mlp').layers({ numClasses: 10, outputUnits: 10, outputActivation: 'softmax' });
  const build = (seed: number) => buildModel(layers, { inputShape: [784], inputDtype: 'float32', seed, dropoutRng: new Rng(seed) });
  const a = build(7);
  const b = build(7);
  const c = build(8);
  const values = (m: ReturnType<typeof build>) => m.logits.getWeights().map((w) => Array.from(w.dataSync().slice(0, 50)));
  expect(values(a)).toEqual(values(b));
  expect(values(a)).not.toEqual(values(c));
  [a, b, c].forEach((m) => m.logits.dispose());
});

test('a short run lowers the loss, writes one CSV row per epoch and summary.json, and leaks no tensors', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const { summary, dir } = await run({ epochs: 4 });
  expect(tf.memory().numTensors).toBe(before);
  expect(summary.status).toBe('finished');
  for (const arm of ['uniform', 'importance']) {
    const rows = readCsv(path.join(dir, `${arm}.csv`));
    expect(rows).toHaveLength(4);
    expect(Object.keys(rows[0]).slice(0, EPOCH_COLUMNS.length)).toEqual([...EPOCH_COLUMNS]);
    expect(Number(rows[3].val_loss)).toBeLessThan(Number(rows[0].val_loss));
    expect(Number(rows[3].loss)).toBeLessThan(Number(rows[0].loss));
    // Keras' fit trains the partial last batch; the reference's samplers run N // b steps
    expect(Number(rows[0].steps)).toBe(arm === 'uniform' ? Math.ceil(300 / 16) : Math.floor(300 / 16));
  }
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  expect(json.arms.map((a: { name: string; epochsCompleted: number }) => [a.name, a.epochsCompleted])).toEqual([
    ['uniform', 4],
    ['importance', 4],
  ]);
  expect(json.backend).toBe('cpu');
  expect(json.config.arms[1].params.presample).toBe(3);
});

test('tensor count stays flat across epochs (no per-epoch leak)', async () => {
  await tf.setBackend('cpu');
  await run({ epochs: 1 });
  const afterOne = tf.memory().numTensors;
  await run({ epochs: 3 });
  expect(tf.memory().numTensors).toBe(afterOne);
});

test('same seed, same backend: identical metric columns across two runs; another seed differs', async () => {
  const a = await run({ epochs: 2 });
  const b = await run({ epochs: 2 });
  const c = await run({ epochs: 2, seed: 2 });
  for (const arm of ['uniform', 'importance']) {
    const pick = (dir: string) => readCsv(path.join(dir, `${arm}.csv`)).map((r) => METRICS.map((m) => r[m]));
    expect(pick(a.dir)).toEqual(pick(b.dir));
    expect(pick(a.dir)).not.toEqual(pick(c.dir));
  }
});

test('the importance arm samples with weights once tau passes tau_th, and counts its scoring forwards', async () => {
  // tau_th just above 1 switches importance sampling on after the first steps
  const { dir } = await run({
    epochs: 2,
    arms: [{ name: 'importance', strategy: 'upper-bound', presample: 3, tau_th: 1.0001 }],
  });
  const rows = readCsv(path.join(dir, 'importance.csv'));
  const last = rows[1];
  expect(Number(last.is_active)).toBeGreaterThan(0.5);
  const steps = Number(last.steps);
  const active = Math.round(Number(last.is_active) * steps);
  // B = 3b scored per active step, b trained per step
  expect(Number(last.score_forward_samples)).toBe(active * 3 * 16);
  expect(Number(last.forward_samples)).toBe(active * 3 * 16 + steps * 16);
  expect(Number(last.backward_samples)).toBe(steps * 16);
  expect(Number(last.cost_units)).toBe(Number(last.forward_samples) + 2 * Number(last.backward_samples));
  expect(Number(last.weight_max)).toBeGreaterThan(1);
});

test('a non-finite loss stops that arm as diverged, the other arm goes on', async () => {
  const { summary, dir } = await run({
    epochs: 3,
    optimizer: { name: 'sgd', learningRate: 1e30 },
    arms: [{ name: 'uniform', strategy: 'uniform' }],
  });
  expect(summary.status).toBe('diverged');
  expect(summary.arms[0].status).toBe('diverged');
  expect(summary.arms[0].stopReason).toMatch(/non-finite loss/);
  const file = path.join(dir, 'uniform.csv');
  const rows = fs.existsSync(file) ? readCsv(file) : [];
  expect(rows.length).toBe(summary.arms[0].epochsCompleted);
});
