import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../src/errors';
import { isTempFile } from '../src/io/files';
import { reportRunDirs } from '../src/report/report';
import { curve, tempDir, writeRunFolder, type FixtureRun } from './report-fixtures';

function run(seed: number, extra: Partial<FixtureRun> = {}): FixtureRun {
  return {
    experiment: 'mnist-mlp',
    runId: `run-${seed}`,
    seed,
    expect: ['importance.speedup.val_loss > 1', 'importance.best.val_accuracy >= uniform.best.val_accuracy'],
    arms: [
      { name: 'uniform', strategy: 'uniform', records: curve({ valLoss: [0.3, 0.2, 0.1, 0.12], loss: [0.5, 0.3, 0.2, 0.1], epochTime: 4, cost: 300 }) },
      { name: 'importance', strategy: 'upper-bound', costModelRatio: 2, records: curve({ valLoss: [0.2, 0.09, 0.08, 0.085], loss: [0.2, 0.05, 0.01, 0.005], epochTime: 5 + seed / 10, cost: 600 }) },
    ],
    ...extra,
  };
}

describe('reportRunDirs', () => {
  it('writes summary.md, five SVG plots and a self-contained report.html of merged runs into the folder holding them, not into a run', async () => {
    const root = tempDir();
    const dirs = [1, 2, 3].map((s) => writeRunFolder(root, run(s)));
    const result = await reportRunDirs(dirs);
    const merged = path.dirname(dirs[0]);
    expect(path.resolve(result.outDir)).toBe(path.resolve(merged));
    for (const d of dirs) expect(fs.existsSync(path.join(d, 'summary.md'))).toBe(false);
    expect(result.files.map((f) => path.relative(merged, f))).toEqual([
      'train-loss-vs-epoch.svg',
      'val-accuracy-vs-epoch.svg',
      'train-loss-vs-time.svg',
      'val-accuracy-vs-time.svg',
      'val-loss-vs-time.svg',
      'summary.md',
      'report.html',
    ]);
    for (const f of result.files) expect(fs.statSync(f).size).toBeGreaterThan(100);
    expect(fs.readdirSync(merged).filter(isTempFile)).toEqual([]);

    const md = fs.readFileSync(path.join(merged, 'summary.md'), 'utf8');
    expect(md).toBe(result.summaryMarkdown);
    expect(md).toMatch(/^# mnist-mlp — is-bench report/);
    expect(md).toMatch(/- importance reached val_loss 0\.1000 [0-9.]+ ± [0-9.]+x faster than uniform \(3 seeds\)/);
    expect(md).toContain('Test CPU @ 1GHz, 2 cores, 7.8 GiB memory');
    expect(md).toContain('Backend: cpu');
    expect(md).toContain('@tensorflow/tfjs 4.22.0');
    expect(md).toContain('is-bench commit: abc123def456');
    expect(md).toContain('Config hash: cafe0001');
    expect(md).toContain('![Validation accuracy by epoch](val-accuracy-vs-epoch.svg)');
    expect(md).toMatch(/\| importance.speedup.val_loss > 1 .*\| pass/);
    expect(md).toMatch(/## Reproduction: MNIST MLP/);

    const html = fs.readFileSync(path.join(merged, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(5);
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('<table>');
    expect(html).toContain('importance reached val_loss 0.1000');
    expect(result.expectationsFailed).toBe(false);
    expect(result.groups[0].headlines).toHaveLength(1);
  });

  it('reports failed expectations, honours --target, outDir and plots: false, and labels quick runs', async () => {
    const root = tempDir();
    const out = tempDir('is-bench-out-');
    const dir = writeRunFolder(root, run(1, { quick: true, expect: ['importance.final.val_loss < 0.05'] }));
    const result = await reportRunDirs([dir], { outDir: out, plots: false, target: 'val_accuracy=0.91' });
    expect(result.files.map((f) => path.basename(f))).toEqual(['summary.md', 'report.html']);
    expect(fs.existsSync(path.join(dir, 'summary.md'))).toBe(false);
    expect(result.expectationsFailed).toBe(true);
    expect(result.summaryMarkdown).toContain('Target: `val_accuracy >= 0.9100` (--target)');
    expect(result.summaryMarkdown).toMatch(/QUICK RUN/);
    expect(result.summaryMarkdown).toMatch(/reproduced \(quick run\)/);
  });

  it('rejects a bad --target and an empty list of folders as user errors', async () => {
    const dir = writeRunFolder(tempDir(), run(1));
    await expect(reportRunDirs([dir], { target: 'speed=2' })).rejects.toThrow(UserError);
    await expect(reportRunDirs([])).rejects.toThrow(/give at least one run folder/);
  });
});
