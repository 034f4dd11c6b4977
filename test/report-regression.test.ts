/**
 * The report of a regression run: val_mae where a classification shows val_accuracy (tables in
 * Markdown and on the terminal, the per-epoch table, the plots), `--target val_mae=<v>`, and
 * accuracy targets refused; decided from the records' columns.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import * as tf from '@tensorflow/tfjs';
import { resolveExperiment } from '../src/config/load';
import { parseExpectations } from '../src/config/expectation';
import { UserError } from '../src/errors';
import { kerasNumber } from '../src/record/format';
import { analyzeGroup } from '../src/report/analysis';
import { evaluateExpectations } from '../src/report/expectations';
import { groupRuns } from '../src/report/merge';
import { lowerIsBetter, validationMetric } from '../src/report/metrics';
import { reportCharts } from '../src/report/plot-specs';
import { analyzeRunDirs, reportJson, reportRunDirs } from '../src/report/report';
import { renderTerminal } from '../src/report/render-terminal';
import { makeTarget, parseTarget, timeToTarget } from '../src/report/target';
import { runExperiment } from '../src/train/experiment';
import { tempDir, writeTree } from './helpers/data-fixtures';
import { curve, memoryRun, record } from './report-fixtures';

describe('the validation metric, from the columns', () => {
  const regression = [1, 2].map((epoch) => record({ epoch, val_loss: 0.5, extra: { val_mae: 0.3 / epoch } }));
  const classification = curve({ valLoss: [0.3, 0.2], epochTime: 1, cost: 1 });

  it('is val_mae when every record has val_mae and no val_accuracy, else val_accuracy', () => {
    expect(validationMetric([regression])).toBe('val_mae');
    expect(validationMetric([classification])).toBe('val_accuracy');
    expect(validationMetric([regression, classification])).toBe('val_accuracy');
    expect(validationMetric([])).toBe('val_accuracy');
  });

  it('val_mae is better low: a target is reached at or below it, the best is the minimum', () => {
    expect(lowerIsBetter('val_mae')).toBe(true);
    expect(parseTarget('val_mae=0.2')).toMatchObject({ metric: 'val_mae', value: 0.2, direction: '<=' });
    // val_mae 0.3, 0.15: the first at or below 0.2 is epoch 2
    expect(timeToTarget(regression, parseTarget('val_mae=0.2'))?.epoch).toBe(2);
  });

  it('refuses val_mae on a classification and accuracy on a regression, naming the metric to use', () => {
    expect(() => timeToTarget(classification, makeTarget('val_mae', 0.1, 't'), 'uniform')).toThrow(UserError);
    expect(() => timeToTarget(classification, makeTarget('val_mae', 0.1, 't'), 'uniform')).toThrow(/arm "uniform" has no val_mae column.*use val_loss or val_accuracy/);
    expect(() => timeToTarget(regression, makeTarget('val_accuracy', 0.9, 't'), 'uniform')).toThrow(/is a regression, which has no accuracy: use val_mae/);
  });

  it('a target on the plotted validation metric is one chart by time, not the same file twice', () => {
    const group = groupRuns([memoryRun({ experiment: 'e', runId: 'r', seed: 1, arms: [{ name: 'uniform', strategy: 'uniform', records: classification }] })])[0];
    const ids = reportCharts(analyzeGroup(group, { target: parseTarget('val_accuracy=0.75') })).map((c) => c.id);
    expect(ids).toEqual(['train-loss-vs-epoch', 'val-accuracy-vs-epoch', 'train-loss-vs-time', 'val-accuracy-vs-time']);
  });
});

describe('a real regression run folder', () => {
  const root = tempDir('isb-report-regression-');
  /** y = a - 2 b + a small wobble, deterministic. */
  const csv = (n: number, offset: number) =>
    `a,b,y\n${Array.from({ length: n }, (_, i) => {
      const a = Math.sin(i * 1.7 + offset);
      const b = Math.cos(i * 0.9 + offset);
      return `${a.toFixed(4)},${b.toFixed(4)},${(a - 2 * b + 0.03 * Math.sin(i * 5.3)).toFixed(4)}`;
    }).join('\n')}\n`;
  writeTree(root, { 'train.csv': csv(80, 0), 'test.csv': csv(20, 0.4) });
  let dir = '';
  let maes: Record<string, number[]> = {};
  const previousCache = process.env.IS_BENCH_CACHE;

  beforeAll(async () => {
    process.env.IS_BENCH_CACHE = tempDir('isb-report-regression-cache-');
    await tf.setBackend('cpu');
    const experiment = resolveExperiment(
      {
        name: 'houses',
        dataset: { format: 'csv', train: 'train.csv', test: 'test.csv', label: 'y', target: 'regression' },
        model: { layers: [{ type: 'dense', units: 6, activation: 'tanh' }, { type: 'dense', units: 1 }] },
        optimizer: { name: 'adam', learningRate: 0.03 },
        loss: 'mse',
        epochs: 3,
        batchSize: 10,
        seed: 3,
        arms: [
          { name: 'uniform', strategy: 'uniform' },
          { name: 'upper-bound', strategy: 'upper-bound', tau_th: 1.0001 },
        ],
      },
      'houses.yaml',
      root,
    );
    ({ dir } = await runExperiment(experiment, { backend: 'cpu', outDir: tempDir('isb-report-regression-out-'), checkpoint: false }));
    for (const arm of ['uniform', 'upper-bound']) {
      const rows = parse(fs.readFileSync(path.join(dir, `${arm}.csv`), 'utf8'), { columns: true }) as Record<string, string>[];
      maes[arm] = rows.map((r) => Number(r.val_mae));
    }
  });
  afterAll(() => {
    if (previousCache === undefined) delete process.env.IS_BENCH_CACHE;
    else process.env.IS_BENCH_CACHE = previousCache;
  });

  /** The cells of the first Markdown table row whose first cells are `first`. */
  const rowOf = (markdown: string, ...first: string[]) =>
    markdown
      .split('\n')
      .map((l) => l.split('|').map((c) => c.trim()))
      .find((cells) => first.every((f, i) => cells[i + 1] === f))!;

  it('shows val_mae in place of accuracy in summary.md, on the terminal and in the plots', async () => {
    const report = await reportRunDirs([dir]);
    const md = report.summaryMarkdown;
    expect(maes.uniform.every((v) => Number.isFinite(v) && v > 0)).toBe(true);

    const header = rowOf(md, 'arm', 'strategy');
    expect(header).toContain('final val_mae');
    expect(header).toContain('best val_mae');
    expect(header.filter((h) => /accuracy/.test(h))).toEqual([]);
    const row = rowOf(md, 'uniform');
    expect(row[header.indexOf('final val_mae')]).toBe(kerasNumber(maes.uniform[2]));
    expect(row[header.indexOf('best val_mae')]).toBe(kerasNumber(Math.min(...maes.uniform)));
    // the per-epoch table: each arm's val_mae at each epoch
    expect(rowOf(md, 'epoch').slice(1, 6)).toEqual(['epoch', 'uniform loss', 'uniform val_loss', 'uniform val_mae', 'uniform s']);
    const epoch2 = rowOf(md, '2');
    expect(epoch2[4]).toBe(kerasNumber(maes.uniform[1]));

    const terminal = renderTerminal(report.brief, { width: 200 });
    const lines = terminal.split('\n');
    const termHeader = lines.find((l) => /^arm\s+strategy/.test(l))!;
    expect(termHeader).toMatch(/final val_mae/);
    expect(termHeader).not.toMatch(/acc/);
    const column = termHeader.indexOf('final val_mae');
    const termRow = lines.find((l) => l.startsWith('upper-bound '))!;
    // right-aligned under its header
    expect(termRow.slice(column, column + 'final val_mae'.length).trim()).toBe(kerasNumber(maes['upper-bound'][2]));

    const svgs = report.files.map((f) => path.basename(f)).filter((f) => f.endsWith('.svg'));
    expect(svgs).toEqual(['train-loss-vs-epoch.svg', 'val-mae-vs-epoch.svg', 'train-loss-vs-time.svg', 'val-mae-vs-time.svg', 'val-loss-vs-time.svg']);
    expect(fs.readFileSync(path.join(report.outDir, 'val-mae-vs-epoch.svg'), 'utf8')).toMatch(/Validation mean absolute error by epoch/);

    const json = reportJson(report.groups) as { validationMetric: string; arms: { name: string; finalValMae: { mean: number } }[] }[];
    expect(json[0].validationMetric).toBe('val_mae');
    expect(json[0].arms[0].finalValMae.mean).toBe(maes.uniform[2]);
  });

  it('takes --target val_mae=<v>: the first epoch at or below it, in the headline', async () => {
    const level = maes.uniform[1];
    const [g] = await analyzeRunDirs([dir], { target: `val_mae=${level}` });
    const uniform = g.analysis.arms.find((a) => a.name === 'uniform')!;
    expect(uniform.seeds[0].hit?.epoch).toBe(maes.uniform.findIndex((v) => v <= level) + 1);
    const expected = maes['upper-bound'].findIndex((v) => v <= level);
    expect(g.analysis.arms[1].seeds[0].hit?.epoch ?? 0).toBe(expected + 1);
    expect(g.headlines[0]).toMatch(new RegExp(`^upper-bound (reached|never reached) val_mae ${kerasNumber(level).replace('.', '\\.')}`));
  });

  it('refuses an accuracy target, and evaluates expect lines on val_mae', async () => {
    await expect(analyzeRunDirs([dir], { target: 'val_accuracy=0.9' })).rejects.toThrow(/regression, which has no accuracy: use val_mae/);
    const [g] = await analyzeRunDirs([dir]);
    const [best, final] = evaluateExpectations(parseExpectations(['uniform.best.val_mae < 1000', 'upper-bound.final.val_mae > 0']), g.analysis);
    expect(best).toMatchObject({ passed: true, left: Math.min(...maes.uniform) });
    expect(final).toMatchObject({ passed: true, left: maes['upper-bound'][2] });
  });
});
