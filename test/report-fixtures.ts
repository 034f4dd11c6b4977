/**
 * Hand-made epoch records and run folders for the report tests, written with the run loop's
 * own CSV writer so the tests read exactly what a run writes.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { epochRecordsToCsv } from '../src/record/epoch-csv';
import type { RunSummary } from '../src/record/run-summary';
import type { RunFolder } from '../src/report/run-folder';
import type { EpochRecord } from '../src/spec';

/** A record with every column NaN except those given. */
export function record(values: Partial<EpochRecord> & { epoch: number }): EpochRecord {
  const nan = NaN;
  return {
    loss: nan, accuracy: nan, val_loss: nan, val_accuracy: nan, epoch_time_s: nan, train_time_s: nan,
    score_time_s: nan, eval_time_s: nan, wall_time_s: nan, steps: nan, forward_samples: nan, backward_samples: nan,
    is_active: nan, tau: nan, score_forward_samples: nan, cost_units: nan, weight_mean: nan, weight_max: nan,
    weight_ess: nan, extra: {}, ...values,
  };
}

export interface CurveSpec {
  valLoss: number[];
  valAccuracy?: number[];
  loss?: number[];
  trainEvalLoss?: number[];
  /** Seconds per epoch (constant). */
  epochTime: number;
  /** Cost units per epoch (constant). */
  cost: number;
  steps?: number;
}

/** Per-epoch records of one arm: wall_time_s accumulates epochTime, cost_units is per epoch. */
export function curve(spec: CurveSpec): EpochRecord[] {
  return spec.valLoss.map((valLoss, i) =>
    record({
      epoch: i + 1,
      loss: spec.loss?.[i] ?? valLoss,
      accuracy: 0.5,
      val_loss: valLoss,
      val_accuracy: spec.valAccuracy?.[i] ?? 1 - valLoss,
      epoch_time_s: spec.epochTime,
      train_time_s: spec.epochTime,
      score_time_s: 0,
      eval_time_s: 0.1,
      wall_time_s: spec.epochTime * (i + 1),
      steps: spec.steps ?? 10,
      forward_samples: spec.cost / 3,
      backward_samples: spec.cost / 3,
      cost_units: spec.cost,
      extra: spec.trainEvalLoss ? { train_eval_loss: spec.trainEvalLoss[i], train_eval_accuracy: 0.9 } : {},
    }),
  );
}

export interface FixtureArm {
  name: string;
  strategy: string;
  records: EpochRecord[];
  costModelRatio?: number;
}

export interface FixtureRun {
  experiment: string;
  runId: string;
  seed: number;
  arms: FixtureArm[];
  status?: string;
  expect?: string[];
  /** Extra config fields (differ between sweep cells). */
  config?: Record<string, unknown>;
  quick?: boolean;
}

export function tempDir(prefix = 'is-bench-report-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Writes `<root>/<experiment>/<runId>/` with one CSV per arm and summary.json; returns the folder. */
export function writeRunFolder(root: string, run: FixtureRun): string {
  const dir = path.join(root, run.experiment, run.runId);
  fs.mkdirSync(dir, { recursive: true });
  for (const arm of run.arms) {
    const extra = [...new Set(arm.records.flatMap((r) => Object.keys(r.extra)))];
    fs.writeFileSync(path.join(dir, `${arm.name}.csv`), epochRecordsToCsv(arm.records, extra));
  }
  const summary = {
    tool: 'is-bench',
    experiment: run.experiment,
    runId: run.runId,
    seed: run.seed,
    status: run.status ?? 'finished',
    ...(run.quick ? { quick: true } : {}),
    config: {
      name: run.experiment,
      epochs: Math.max(...run.arms.map((a) => a.records.length)),
      batchSize: 32,
      seed: run.seed,
      dataset: { name: 'synthetic', validation: 'test', options: {} },
      arms: run.arms.map((a) => ({ name: a.name, strategy: a.strategy, params: {} })),
      ...(run.expect ? { expect: run.expect } : {}),
      ...run.config,
    },
    backend: 'cpu',
    versions: { node: 'v20.0.0', '@tensorflow/tfjs': '4.22.0' },
    machine: { cpu: 'Test CPU @ 1GHz', cores: 2, memoryGiB: 7.8, platform: 'Linux 6.1' },
    commit: 'abc123def456',
    configHash: 'cafe0001',
    arms: run.arms.map((a) => ({
      name: a.name,
      strategy: a.strategy,
      status: run.status ?? 'finished',
      epochsCompleted: a.records.length,
      ...(a.strategy === 'uniform' ? { baseline: true } : {}),
      ...(a.costModelRatio !== undefined ? { costModelRatio: a.costModelRatio } : {}),
    })),
  };
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2));
  return dir;
}

/** The same run as an in-memory RunFolder (what readRunFolder returns), for tests without files. */
export function memoryRun(run: FixtureRun): RunFolder {
  const status = (run.status ?? 'finished') as RunSummary['status'];
  const arms = run.arms.map((a) => ({
    name: a.name,
    strategy: a.strategy,
    params: {},
    status,
    epochsCompleted: a.records.length,
    ...(a.strategy === 'uniform' ? { baseline: true } : {}),
    ...(a.costModelRatio !== undefined ? { costModelRatio: a.costModelRatio } : {}),
  }));
  return {
    dir: `/memory/${run.experiment}/${run.runId}`,
    summary: {
      tool: 'is-bench',
      experiment: run.experiment,
      runId: run.runId,
      seed: run.seed,
      status,
      config: { arms: run.arms.map((a) => ({ name: a.name, strategy: a.strategy, params: {} })), ...(run.expect ? { expect: run.expect } : {}), ...run.config },
      arms,
    },
    arms: run.arms.map((a, i) => ({ name: a.name, strategy: a.strategy, status, records: a.records, columns: [], summary: arms[i] })),
  };
}
