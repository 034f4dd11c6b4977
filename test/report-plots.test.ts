import { analyzeGroup } from '../src/report/analysis';
import { groupRuns } from '../src/report/merge';
import { recordsByEpoch } from '../src/report/mean-records';
import { armCurve, curveChartSpec, reportCharts, thinPoints } from '../src/report/plot-specs';
import { renderSvg } from '../src/report/render-svg';
import { curve, memoryRun, type FixtureRun } from './report-fixtures';

function run(seed: number, trainEval = false): FixtureRun {
  const j = seed / 100;
  return {
    experiment: 'e',
    runId: `r${seed}`,
    seed,
    arms: [
      { name: 'uniform', strategy: 'uniform', records: curve({ valLoss: [0.4 + j, 0.3, 0.2], loss: [0.5, 0.4, 0.3], epochTime: 2 + j, cost: 300, ...(trainEval ? { trainEvalLoss: [0.45, 0.35, 0.25] } : {}) }) },
      { name: 'importance', strategy: 'upper-bound', records: curve({ valLoss: [0.3, 0.2 + j, 0.1], loss: [0.2, 0.1, 0.05], epochTime: 5, cost: 600, ...(trainEval ? { trainEvalLoss: [0.3, 0.2, 0.1] } : {}) }) },
    ],
  };
}

const oneSeed = analyzeGroup(groupRuns([memoryRun(run(1))])[0]);
const threeSeeds = analyzeGroup(groupRuns([1, 2, 3].map((s) => memoryRun(run(s))))[0]);

describe('armCurve', () => {
  it('averages seeds per epoch, with a 95% band from 2 seeds on', () => {
    const points = armCurve('uniform', threeSeeds.arms[0].seeds.map((s) => s.records), 'val_loss', 'wall_time_s');
    expect(points.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(points[0].y).toBeCloseTo(0.42, 12);
    expect(points[0].x).toBeCloseTo(2.02, 12);
    expect(points[2].x).toBeCloseTo(3 * 2.02, 12);
    expect(points[0].lo).toBeLessThan(0.42);
    expect(points[0].hi).toBeGreaterThan(0.42);
    expect(points[0].n).toBe(3);
    const single = armCurve('uniform', [oneSeed.arms[0].seeds[0].records], 'val_loss', 'epoch');
    expect(single[0]).toMatchObject({ x: 1, lo: null, hi: null, n: 1 });
    expect(single[0].y).toBeCloseTo(0.41, 12);
  });
});

describe('long runs: charts and per-epoch lookups', () => {
  test('thinPoints keeps every k-th point and the last, at most max', () => {
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    expect(thinPoints(range(4), 4)).toEqual([0, 1, 2, 3]);
    // k = ceil(9 / 3) = 3: 0, 3, 6, 9 (the last on the grid)
    expect(thinPoints(range(10), 4)).toEqual([0, 3, 6, 9]);
    // k = ceil(10 / 3) = 4: 0, 4, 8, then the last
    expect(thinPoints(range(11), 4)).toEqual([0, 4, 8, 10]);
    for (const n of [1001, 1999, 2000, 2001, 99999]) {
      const kept = thinPoints(range(n));
      expect(kept.length).toBeLessThanOrEqual(1000);
      expect(kept[0]).toBe(0);
      expect(kept[kept.length - 1]).toBe(n - 1);
    }
  });

  test('recordsByEpoch indexes each seed by epoch (first record of an epoch wins) and lists every epoch once, in order', () => {
    const rec = (epoch: number, loss: number) => ({ epoch, loss }) as never;
    const { epochs, bySeed } = recordsByEpoch([[rec(2, 0.2), rec(1, 0.1), rec(2, 9)], [rec(3, 0.3)], []]);
    expect(epochs).toEqual([1, 2, 3]);
    expect(bySeed.map((m) => [...m.entries()].map(([e, r]) => [e, (r as { loss: number }).loss]))).toEqual([[[2, 0.2], [1, 0.1]], [[3, 0.3]], []]);
  });

  test("a 5,000-epoch arm's charts hold at most 1,000 points per arm, ending at the last epoch", () => {
    const n = 5000;
    const records = curve({ valLoss: Array.from({ length: n }, (_, i) => 1 / (i + 1)), epochTime: 1, cost: 10 });
    const analysis = analyzeGroup(groupRuns([memoryRun({ experiment: 'long', runId: 'r', seed: 0, arms: [{ name: 'uniform', strategy: 'uniform', records }] })])[0]);
    for (const chart of reportCharts(analysis)) {
      expect(chart.points.length).toBeLessThanOrEqual(1000);
      expect(chart.points[chart.points.length - 1].epoch).toBe(n);
    }
  });
});

describe('reportCharts and their vega-lite specs', () => {
  it('has training loss and val_accuracy against epoch and against wall-clock seconds, every arm a series', () => {
    const charts = reportCharts(oneSeed);
    expect(charts.map((c) => c.id)).toEqual(['train-loss-vs-epoch', 'val-accuracy-vs-epoch', 'train-loss-vs-time', 'val-accuracy-vs-time', 'val-loss-vs-time']);
    for (const chart of charts) {
      expect([...new Set(chart.points.map((p) => p.arm))]).toEqual(['uniform', 'importance']);
      expect(chart.points).toHaveLength(6);
    }
    expect(charts[0].yTitle).toMatch(/Keras loss column/);
    expect(charts[0].points.filter((p) => p.arm === 'importance').map((p) => p.y)).toEqual([0.2, 0.1, 0.05]);
    expect(charts[3].points.filter((p) => p.arm === 'importance').map((p) => p.x)).toEqual([5, 10, 15]);
  });

  it('draws the time-to-target threshold across the target metric by time', () => {
    const chart = reportCharts(oneSeed)[4];
    expect(chart.x).toBe('wall_time_s');
    const ys = chart.points.filter((p) => p.arm === 'uniform').map((p) => p.y);
    [0.41, 0.3, 0.2].forEach((y, i) => expect(ys[i]).toBeCloseTo(y, 12));
    // the default target: uniform's best val_loss
    expect(chart.rule).toEqual({ y: 0.2, label: 'target val_loss <= 0.2000' });
    const spec = curveChartSpec(chart) as any;
    const rule = spec.layer.find((l: any) => l.mark.type === 'rule');
    expect(rule.encoding.y.datum).toBe(0.2);
    expect(spec.layer.find((l: any) => l.mark.type === 'text').encoding.text.value).toBe('target val_loss <= 0.2000');
  });

  it('plots train_eval_loss when every arm measured it', () => {
    const a = analyzeGroup(groupRuns([memoryRun(run(1, true))])[0]);
    const chart = reportCharts(a)[0];
    expect(chart.yTitle).toMatch(/train_eval_loss/);
    expect(chart.points.filter((p) => p.arm === 'uniform').map((p) => p.y)).toEqual([0.45, 0.35, 0.25]);
  });

  it('builds a spec with titled axes, a legend by arm in config order, and bands only with repeats', () => {
    const [lossByEpoch, , , accByTime] = reportCharts(oneSeed).map(curveChartSpec) as any[];
    expect(lossByEpoch.layer).toHaveLength(1);
    const line = lossByEpoch.layer[0];
    expect(line.mark.type).toBe('line');
    expect(line.encoding.x.title).toBe('epoch');
    expect(line.encoding.y.title).toMatch(/^training loss/);
    expect(line.encoding.y.scale.type).toBe('log');
    expect(line.encoding.color).toMatchObject({ field: 'arm', title: 'arm', scale: { domain: ['uniform', 'importance'] } });
    expect(accByTime.layer[0].encoding.x.title).toMatch(/wall-clock seconds/);
    expect(accByTime.layer[0].encoding.y.title).toBe('val_accuracy');

    const banded = curveChartSpec(reportCharts(threeSeeds)[1]) as any;
    expect(banded.layer.map((l: any) => l.mark.type)).toEqual(['area', 'line']);
    expect(banded.layer[0].encoding.y.field).toBe('lo');
    expect(banded.layer[0].encoding.y2.field).toBe('hi');
    expect(banded.data.values.every((v: any) => v.lo <= v.y && v.y <= v.hi)).toBe(true);
  });
});

describe('renderSvg', () => {
  it('renders a chart to SVG in Node with its title, axis titles and legend entries', async () => {
    const svg = await renderSvg(curveChartSpec(reportCharts(threeSeeds)[1]));
    expect(svg.startsWith('<svg')).toBe(true);
    for (const text of ['Validation accuracy by epoch', '>epoch<', '>val_accuracy<', '>uniform<', '>importance<', '>arm<']) {
      expect(svg).toContain(text);
    }
  });
});
