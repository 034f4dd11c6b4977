import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { runCli, smallExperiment, tempDir, writeConfig } from './helpers/cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json') as { version: string };

describe('is-bench CLI', () => {
  test('--version prints the package version', async () => {
    const r = await runCli('--version');
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(pkg.version);
  });

  test.each([[], ['run'], ['list'], ['config']])('--help on %p describes the command and its options', async (...cmd) => {
    const r = await runCli(...(cmd as string[]), '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Usage: is-bench/);
    if (cmd.length === 0 || cmd[0] === 'run') {
      for (const opt of ['--epochs', '--batch-size', '--seed', '--limit', '--arms', '--backend', '--out', '--no-progress', '--json']) {
        expect(r.out).toContain(opt);
      }
    }
  });

  test('list shows experiments, models, datasets and strategies with descriptions', async () => {
    const r = await runCli('list');
    expect(r.code).toBe(0);
    for (const heading of ['Experiments:', 'Models:', 'Datasets:', 'Strategies:']) expect(r.out).toContain(heading);
    expect(r.out).toMatch(/^\s+mnist-mlp\s+\S.+/m);
    expect(r.out).toMatch(/^\s+upper-bound\s+importance sampling/m);
    expect(r.out).toMatch(/^\s+synthetic\s+Gaussian blobs/m);
  });

  test('config prints the resolved config as YAML with defaults and overrides', async () => {
    const r = await runCli('config', 'mnist-mlp', '--epochs', '3');
    expect(r.code).toBe(0);
    const doc = YAML.parse(r.out);
    expect(doc.epochs).toBe(3);
    expect(doc.optimizer).toMatchObject({ name: 'rmsprop', learningRate: 0.001, rho: 0.9, epsilon: 1e-7 });
    expect(doc.arms[1]).toMatchObject({ name: 'importance', strategy: 'biased', presample: 1024, score: 'loss', k: 0.5, smooth: 0 });
    expect(doc.arms[2]).toMatchObject({ name: 'upper-bound', strategy: 'upper-bound', presample: 3, score: 'gnorm' });
  });

  test('a run with --no-progress prints one plain Keras line per arm and epoch, the summary table and the results folder', async () => {
    const out = tempDir();
    const file = writeConfig(smallExperiment());
    const r = await runCli('run', file, '--no-progress', '--out', out, '--backend', 'cpu', '--epochs', '2');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.startsWith('Epoch '));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^Epoch 1\/2 uniform 19\/19 - \d+\.\ds - loss: \d\.\d{4} - acc(uracy)?: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc(uracy)?: \d\.\d{4}$/);
    expect(lines[1]).toMatch(/^Epoch 1\/2 importance 18\/18 - /);
    expect(lines[3]).toMatch(/^Epoch 2\/2 importance /);
    expect(r.out).toMatch(/^backend: cpu/m);
    expect(r.out).toMatch(/Layer \(type\)\s+Output Shape\s+Param #/);
    expect(r.out).toMatch(/^arm\s+strategy\s+best val_loss\s+final val_acc\s+s\/epoch\s+time ratio\s+cost ratio\s+cost model$/m);
    expect(r.out).toMatch(/^uniform\s+uniform\s+\d\.\d{4}\s+\d\.\d{4}\s+\d+\.\d{2}\s+1\.00\s+1\.00\s+1\.00$/m);
    const runDirs = fs.readdirSync(path.join(out, 'tiny'));
    expect(runDirs).toHaveLength(1);
    expect(fs.readdirSync(path.join(out, 'tiny', runDirs[0])).sort()).toEqual([
      'checkpoints',
      'importance.csv',
      'report.html',
      'summary.json',
      'summary.md',
      'train-loss-vs-epoch.svg',
      'train-loss-vs-time.svg',
      'uniform.csv',
      'val-accuracy-vs-epoch.svg',
      'val-accuracy-vs-time.svg',
      'val-loss-vs-time.svg',
    ]);
    expect(r.out).toMatch(/^- importance (reached|never reached) val_loss \d\.\d{4} /m); // the headline
    expect(r.out).toMatch(/^Results: /m);
    for (const line of r.out.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  test('--json prints only the summary JSON on stdout; logs go to stderr', async () => {
    const out = tempDir();
    const file = writeConfig(smallExperiment({ epochs: 1 }));
    const r = await runCli('run', file, '--json', '--out', out, '--backend', 'cpu', '--arms', 'uniform');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.status).toBe('finished');
    expect(summary.arms.map((a: { name: string }) => a.name)).toEqual(['uniform']);
    expect(r.err).toMatch(/^Epoch 1\/1 uniform/m);
  });

  test('--limit uses only the first N training samples', async () => {
    const file = writeConfig(smallExperiment({ epochs: 1 }));
    const r = await runCli('run', file, '--json', '--out', tempDir(), '--backend', 'cpu', '--limit', '100');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.dataset.train).toBe(100);
    expect(summary.arms[0].final.steps).toBe(Math.ceil(100 / 16));
  });

  test.each([
    [['smoke', '--epochs', 'abc'], /option '--epochs <n>' argument 'abc' is invalid\. expected a positive integer/],
    [['smoke', '--limit', '-5'], /option '--limit <n>' argument '-5' is invalid/],
    [['smoke', '--seed', '1.5'], /option '--seed <n>' argument '1\.5' is invalid\. expected a whole number/],
    [['smoke', '--backend', 'gpu'], /option '--backend <name>' argument 'gpu' is invalid\. expected one of auto, tensorflow, wasm, cpu/],
    [['smoke', '--arms', 'nosuch'], /--arms: no arm named "nosuch" in smoke \(arms: uniform, importance\)/],
    [['smoke', '--frobnicate'], /unknown option '--frobnicate'/],
  ])('bad option %p: exit 2 and a message naming it', async (args, message) => {
    const r = await runCli(...(args as string[]), '--out', tempDir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('expect: gates', () => {
  test('a failed expectation prints the pass/fail table and exits 3; a met one exits 0', async () => {
    const out = tempDir();
    const failing = writeConfig(smallExperiment({ epochs: 1, expect: ['importance.best.val_accuracy >= uniform.best.val_accuracy - 1', 'uniform.final.val_accuracy > 1.5'] }));
    // the first line is not valid (arithmetic is not part of the grammar): rejected before training
    const bad = await runCli('run', failing, '--out', out, '--backend', 'cpu', '--no-progress');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/expect\[0\] "importance\.best\.val_accuracy >= uniform\.best\.val_accuracy - 1"/);

    const gate = writeConfig(smallExperiment({ epochs: 1, expect: ['uniform.final.val_accuracy > 1.5', 'importance.best.val_loss < 100'] }));
    const r = await runCli('run', gate, '--out', out, '--backend', 'cpu', '--json');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/\[FAIL\] uniform\.final\.val_accuracy > 1\.5/);
    expect(r.err).toMatch(/\[pass\] importance\.best\.val_loss < 100/);
    const json = JSON.parse(r.out);
    expect(json.report[0].expectations.map((e: { passed: boolean }) => e.passed)).toEqual([false, true]);

    const ok = writeConfig(smallExperiment({ epochs: 1, expect: ['importance.best.val_loss < 100'] }));
    expect((await runCli('run', ok, '--out', out, '--backend', 'cpu', '--no-progress')).code).toBe(0);
  });

  test('an expectation naming an unknown arm is rejected before training', async () => {
    const file = writeConfig(smallExperiment({ expect: ['nosuch.best.val_loss < 1'] }));
    const r = await runCli('run', file, '--out', tempDir(), '--backend', 'cpu');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expect\[0\] "nosuch\.best\.val_loss < 1": no arm named "nosuch" \(arms: uniform, importance\)/);
  });
});
