/**
 * The report's charts as data and as vega-lite specs (pure; rendering is in render-svg.ts):
 * training loss and val_accuracy (a regression's val_mae) against epoch and against the arm's own wall-clock seconds, and
 * the time-to-target metric against seconds with the target drawn across; every arm on one
 * chart, a 95% confidence band when there are several seeds.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord } from '../spec';
import type { ExperimentAnalysis } from './analysis';
import { recordsByEpoch } from './mean-records';
import { hasMetric, metricValue } from './metrics';
import { meanCI } from './stats';

/** One point of one arm's curve: the mean over seeds at an epoch, with its CI when n >= 2. */
export interface CurvePoint {
  arm: string;
  epoch: number;
  x: number;
  y: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

export type CurveX = 'epoch' | 'wall_time_s';

export interface CurveChart {
  /** File stem, e.g. "train-loss-vs-epoch". */
  id: string;
  title: string;
  /** What the x axis measures. */
  x: CurveX;
  xTitle: string;
  yTitle: string;
  yLog: boolean;
  /** Legend order (the config's arm order, the baseline first as configured). */
  arms: string[];
  points: CurvePoint[];
  /** Whether to draw confidence bands (several seeds). */
  bands: boolean;
  /** A horizontal line across the chart, e.g. the time-to-target threshold. */
  rule?: { y: number; label: string };
}

/**
 * The curve of one arm: at each epoch, the mean over the seeds that have it of `metric`, and of
 * x (the epoch, or wall_time_s averaged over those seeds). Non-finite values are skipped.
 */
export function armCurve(arm: string, seedRecords: readonly EpochRecord[][], metric: string, x: CurveX): CurvePoint[] {
  const { epochs, bySeed } = recordsByEpoch(seedRecords);
  const points: CurvePoint[] = [];
  for (const epoch of epochs) {
    const rows = bySeed.map((m) => m.get(epoch)).filter((r): r is EpochRecord => r !== undefined);
    const ys = rows.map((r) => metricValue(r, metric) ?? NaN).filter(Number.isFinite);
    if (ys.length === 0) continue;
    const y = meanCI(ys);
    const xValue = x === 'epoch' ? epoch : meanCI(rows.map((r) => r.wall_time_s)).mean;
    if (!Number.isFinite(xValue)) continue;
    const band = y.n >= 2 && Number.isFinite(y.halfWidth);
    points.push({ arm, epoch, x: xValue, y: y.mean, lo: band ? y.lo : null, hi: band ? y.hi : null, n: y.n });
  }
  return points;
}

/** Points per arm and chart at most: a chart is a few hundred pixels wide, and rendering is linear in points. */
export const MAX_CHART_POINTS = 1000;

/**
 * Every k-th point (k the smallest that leaves at most `max`), always with the last: a long
 * run's curve keeps its shape and its end while the chart costs the same for 1,000 or 100,000 epochs.
 */
export function thinPoints<T>(points: readonly T[], max = MAX_CHART_POINTS): T[] {
  if (points.length <= max) return [...points];
  const k = Math.ceil((points.length - 1) / (max - 1));
  const kept = points.filter((_p, i) => i % k === 0);
  if ((points.length - 1) % k !== 0) kept.push(points[points.length - 1]);
  return kept;
}

/**
 * Which training-loss column to plot: `train_eval_loss` (every arm measured alike on a fixed
 * training subset, --eval-train) when every arm has it, else the Keras `loss` column, which
 * for importance arms is a weighted estimate on the sampled batches.
 */
export function trainingLossMetric(analysis: ExperimentAnalysis): { metric: string; title: string } {
  const all = analysis.arms.flatMap((a) => a.seeds.map((s) => s.records)).filter((r) => r.length > 0);
  if (all.length > 0 && all.every((r) => hasMetric(r, 'train_eval_loss'))) {
    return { metric: 'train_eval_loss', title: 'training loss (train_eval_loss, fixed training subset)' };
  }
  return { metric: 'loss', title: 'training loss (Keras loss column, sampled batches)' };
}

/**
 * The charts of a report, in display order: training loss and the validation metric
 * (val_accuracy, or a regression's val_mae) by epoch and by time, then the target metric by
 * time with the target.
 */
export function reportCharts(analysis: ExperimentAnalysis): CurveChart[] {
  const loss = trainingLossMetric(analysis);
  const arms = analysis.arms.map((a) => a.name);
  const bands = analysis.seeds.length > 1;
  const seconds = "wall-clock seconds (each arm's own clock)";
  const chart = (id: string, title: string, metric: string, yTitle: string, yLog: boolean, x: CurveX, xTitle: string): CurveChart => ({
    id,
    title,
    x,
    xTitle,
    yTitle,
    yLog,
    arms,
    bands,
    points: analysis.arms.flatMap((a) =>
      thinPoints(
        armCurve(
          a.name,
          a.seeds.map((s) => s.records),
          metric,
          x,
        ).filter((p) => !yLog || p.y > 0),
      ),
    ),
  });
  const target = analysis.target;
  const targetChart = chart(`${target.metric.replace(/_/g, '-')}-vs-time`, `${target.metric} by wall-clock time, with the target`, target.metric, target.metric, false, 'wall_time_s', seconds);
  if (Number.isFinite(target.value)) targetChart.rule = { y: target.value, label: `target ${target.metric} ${target.direction} ${target.value.toPrecision(4)}` };
  const val = analysis.valMetric;
  const valSlug = val.replace(/_/g, '-');
  const valName = val === 'val_mae' ? 'Validation mean absolute error' : 'Validation accuracy';
  const charts = [
    chart('train-loss-vs-epoch', 'Training loss by epoch', loss.metric, loss.title, true, 'epoch', 'epoch'),
    chart(`${valSlug}-vs-epoch`, `${valName} by epoch`, val, val, false, 'epoch', 'epoch'),
    chart('train-loss-vs-time', 'Training loss by wall-clock time', loss.metric, loss.title, true, 'wall_time_s', seconds),
    chart(`${valSlug}-vs-time`, `${valName} by wall-clock time`, val, val, false, 'wall_time_s', seconds),
  ];
  // A target on the validation metric is that metric's chart by time with the target drawn:
  // one chart (one file) rather than the same curves twice under one name.
  return [...charts.filter((c) => c.id !== targetChart.id), targetChart];
}

/** A vega-lite spec for a chart: a line per arm (points at epoch ends), a CI band per arm with repeats. */
export function curveChartSpec(chart: CurveChart): TopLevelSpec {
  // A log scale cannot show a band reaching zero or below; clip such lower bounds.
  const values = chart.points.map((p) => ({
    ...p,
    lo: p.lo !== null && chart.yLog && p.lo <= 0 ? p.y / 10 : p.lo,
  }));
  const yScale = chart.yLog ? { type: 'log' as const } : { zero: false };
  const x = {
    field: 'x',
    type: 'quantitative' as const,
    title: chart.xTitle,
    scale: { zero: chart.x !== 'epoch' },
    ...(chart.x === 'epoch' ? { axis: { tickMinStep: 1, format: 'd' } } : {}),
  };
  const color = { field: 'arm', type: 'nominal' as const, title: 'arm', scale: { domain: chart.arms } };
  const line = {
    mark: { type: 'line' as const, point: true },
    encoding: {
      x,
      y: { field: 'y', type: 'quantitative' as const, title: chart.yTitle, scale: yScale },
      color: { ...color, legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } },
    },
  };
  const band = {
    transform: [{ filter: 'isValid(datum.lo) && isValid(datum.hi)' }],
    mark: { type: 'area' as const, opacity: 0.2 },
    encoding: {
      x,
      y: { field: 'lo', type: 'quantitative' as const, title: chart.yTitle, scale: yScale },
      y2: { field: 'hi' },
      color: { ...color, legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } },
    },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: chart.title,
    width: 480,
    height: 300,
    background: 'white',
    data: { values },
    layer: [...(chart.bands ? [band] : []), line, ...(chart.rule ? ruleLayers(chart.rule, chart.yTitle) : [])],
  };
}

/** A dashed horizontal line with its label at the right end. */
function ruleLayers(rule: NonNullable<CurveChart['rule']>, yTitle: string) {
  const y = { datum: rule.y, type: 'quantitative' as const, title: yTitle };
  return [
    { mark: { type: 'rule' as const, strokeDash: [6, 4], color: '#555' }, encoding: { y } },
    {
      mark: { type: 'text' as const, align: 'right' as const, baseline: 'bottom' as const, dy: -3, color: '#555', x: 'width' as const },
      encoding: { y, text: { value: rule.label } },
    },
  ];
}
