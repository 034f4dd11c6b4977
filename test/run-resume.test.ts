import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { resolveExperiment } from '../src/config/load';
import { isTempFile } from '../src/io/files';
import { resumeExperiment, runExperiment } from '../src/train/experiment';
import { smallExperiment, tempDir } from './helpers/cli';

const METRICS = ['epoch', 'loss', 'accuracy', 'val_loss', 'val_accuracy', 'steps', 'forward_samples', 'backward_samples', 'is_active', 'tau', 'weight_mean', 'weight_max'];

function metrics(dir: string, arm: string): string[][] {
  const rows = parse(fs.readFileSync(path.join(dir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[];
  return rows.map((r) => METRICS.map((m) => r[m]));
}

function allFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

describe.each([
  ['adam', { name: 'adam' }],
  ['rmsprop with dropout', { name: 'rmsprop' }],
])('stop mid-epoch and resume (%s): metrics equal an uninterrupted run', (_label, optimizer) => {
  const model =
    optimizer.name === 'rmsprop'
      ? { layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.3 }, { type: 'dense', units: 3, activation: 'softmax' }] }
      : 'tiny-mlp';
  const cfg = resolveExperiment(
    smallExperiment({
      epochs: 4,
      optimizer,
      model,
      arms: [
        { name: 'uniform', strategy: 'uniform' },
        { name: 'importance', strategy: 'upper-bound', presample: 3, tau_th: 1.0001 },
      ],
    }),
    'test',
  );

  test('resume continues each arm from its checkpoint', async () => {
    const full = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir() });

    // stop in the middle of epoch 3 of the importance arm (after the uniform arm finished epoch 3)
    let steps = 0;
    const uniformSteps = Math.ceil(300 / 16);
    const importanceSteps = Math.floor(300 / 16);
    // an arm-epoch polls shouldStop at the seam before it, before epochStart, before each step and
    // before the nextBatch that ends it
    const polls = (steps: number) => steps + 3;
    const stopAt = polls(uniformSteps) * 3 + polls(importanceSteps) * 2 + 5;
    const cut = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir(), shouldStop: () => ++steps > stopAt });
    expect(cut.summary.status).toBe('interrupted');
    expect(cut.summary.arms.map((a) => [a.name, a.status, a.epochsCompleted])).toEqual([
      ['uniform', 'interrupted', 3],
      ['importance', 'interrupted', 2],
    ]);
    expect(metrics(cut.dir, 'uniform')).toHaveLength(3);
    expect(metrics(cut.dir, 'importance')).toHaveLength(2);
    expect(allFiles(cut.dir).filter((f) => isTempFile(path.basename(f)))).toEqual([]);
    const saved = JSON.parse(fs.readFileSync(path.join(cut.dir, 'summary.json'), 'utf8'));
    expect(saved.status).toBe('interrupted');

    const resumed = await resumeExperiment(cut.dir, { backend: 'cpu' });
    expect(resumed.summary.status).toBe('finished');
    for (const arm of ['uniform', 'importance']) expect(metrics(resumed.dir, arm)).toEqual(metrics(full.dir, arm));
    // one checkpoint binary per arm is kept, the older ones removed
    expect(fs.readdirSync(path.join(cut.dir, 'checkpoints')).sort()).toEqual(['importance.e4.bin', 'importance.json', 'uniform.e4.bin', 'uniform.json']);
  });
});

test('--no-checkpoint writes no checkpoints; resume then starts the arms over', async () => {
  const cfg = resolveExperiment(smallExperiment({ epochs: 1 }), 'test');
  const r = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir(), checkpoint: false });
  expect(fs.existsSync(path.join(r.dir, 'checkpoints'))).toBe(false);
});

test('resume of a folder that is not a run is a user error', async () => {
  await expect(resumeExperiment(tempDir(), { backend: 'cpu' })).rejects.toThrow(/summary\.json: not found; is this a run folder/);
});

describe('long runs: the checkpoint does not grow, resume after many epochs matches', () => {
  const long = (epochs: number) =>
    resolveExperiment(
      smallExperiment({
        epochs,
        batchSize: 32,
        optimizer: { name: 'adam' },
        dataset: { name: 'synthetic', train: 64, test: 32, features: 4, classes: 3, separation: 1.5 },
        arms: [
          { name: 'uniform', strategy: 'uniform' },
          { name: 'importance', strategy: 'upper-bound', presample: 2 },
        ],
      }),
      'test',
    );
  const checkpointBytes = (dir: string) => ['uniform', 'importance'].map((a) => fs.statSync(path.join(dir, 'checkpoints', `${a}.json`)).size);

  test('checkpoint JSON after 2 and after 30 epochs: the same size (within the digits of a few numbers)', async () => {
    const [two, thirty] = [await runExperiment(long(2), { backend: 'cpu', outDir: tempDir() }), await runExperiment(long(30), { backend: 'cpu', outDir: tempDir() })];
    const a = checkpointBytes(two.dir);
    const b = checkpointBytes(thirty.dir);
    // the 30-epoch records alone would add kilobytes; numbers' digits vary by a few bytes
    b.forEach((size, i) => expect(Math.abs(size - a[i])).toBeLessThan(40));
    expect(readJson(path.join(thirty.dir, 'checkpoints', 'uniform.json')).records).toBeUndefined();
  });

  test('stopped after 25 of 40 epochs and resumed: every CSV row equals the uninterrupted run', async () => {
    const cfg = long(40);
    const full = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir() });
    // 2 steps per arm-epoch; each arm-epoch polls 2 + 3 times (see above): stop in the importance arm's epoch 26
    let polls = 0;
    const cut = await runExperiment(cfg, { backend: 'cpu', outDir: tempDir(), shouldStop: () => ++polls > 5 * 51 + 3 });
    expect(cut.summary.arms.map((a) => a.epochsCompleted)).toEqual([26, 25]);
    const resumed = await resumeExperiment(cut.dir, { backend: 'cpu' });
    expect(resumed.summary.status).toBe('finished');
    for (const arm of ['uniform', 'importance']) expect(metrics(resumed.dir, arm)).toEqual(metrics(full.dir, arm));
    // the summary rebuilt from the CSV agrees with the uninterrupted run's on what it counts
    const totals = (s: typeof full.summary) => s.arms.map((a) => [a.epochsCompleted, a.totals?.steps, a.totals?.cost_units, a.best?.val_loss_epoch]);
    expect(totals(resumed.summary)).toEqual(totals(full.summary));
  });
});

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
