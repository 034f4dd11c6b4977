import type { ExperimentConfig } from '../config/schema';
import type { ArmStatus, EpochRecord } from '../spec';
import type { MachineInfo } from './machine';

export type RunStatus = 'running' | 'finished' | 'interrupted' | 'diverged';

export interface ArmSummary {
  name: string;
  strategy: string;
  params: Record<string, unknown>;
  status: ArmStatus;
  /** Why it stopped early, when it did. */
  stopReason?: string;
  epochsCompleted: number;
  final?: EpochRecord;
  best?: { val_loss: number; val_loss_epoch: number; val_accuracy: number; val_accuracy_epoch: number };
  totals: { time_s: number; cost_units: number; steps: number };
  /** DESIGN's cost model for this arm against a uniform step, where it has one: (B + 3b) / 3b. */
  costModelRatio?: number;
}

/** summary.json: everything needed to read a run without the live process. */
export interface RunSummary {
  tool: 'is-bench';
  version: string;
  experiment: string;
  runId: string;
  seed: number;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  config: ExperimentConfig;
  dataset: { source: string; train: number; validation: number; test?: number; info: string[] };
  backend: string;
  backendLine: string;
  versions: Record<string, string>;
  machine: MachineInfo;
  commit?: string;
  configHash: string;
  /** --eval-train N: the size of the fixed training subset measured at each epoch end. */
  evalTrain?: number;
  /** A quick (shortened) run, e.g. `reproduce --quick`. */
  quick?: boolean;
  arms: ArmSummary[];
}

/** Best val_loss (min) and val_accuracy (max) over the finished epochs. */
export function bestOf(records: EpochRecord[]): ArmSummary['best'] {
  if (!records.length) return undefined;
  let lo = records[0];
  let hi = records[0];
  for (const r of records) {
    if (r.val_loss < lo.val_loss) lo = r;
    if (r.val_accuracy > hi.val_accuracy) hi = r;
  }
  return { val_loss: lo.val_loss, val_loss_epoch: lo.epoch, val_accuracy: hi.val_accuracy, val_accuracy_epoch: hi.epoch };
}

export function armSummary(
  arm: { name: string; strategy: string; params: Record<string, unknown>; status: ArmStatus; stopReason?: string; records: EpochRecord[] },
  batchSize: number,
): ArmSummary {
  const r = arm.records;
  const last = r[r.length - 1];
  const presample = arm.params['presample'];
  return {
    name: arm.name,
    strategy: arm.strategy,
    params: arm.params,
    status: arm.status,
    ...(arm.stopReason ? { stopReason: arm.stopReason } : {}),
    epochsCompleted: r.length,
    ...(last ? { final: last } : {}),
    best: bestOf(r),
    totals: {
      time_s: last?.wall_time_s ?? 0,
      cost_units: r.reduce((a, x) => a + x.cost_units, 0),
      steps: r.reduce((a, x) => a + x.steps, 0),
    },
    ...(arm.strategy === 'upper-bound' && typeof presample === 'number'
      ? { costModelRatio: (Math.floor(presample * batchSize) + 3 * batchSize) / (3 * batchSize) }
      : {}),
  };
}
