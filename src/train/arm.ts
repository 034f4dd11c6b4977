import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../rng';
import type {
  ArmStatus,
  AuxiliaryModel,
  AuxiliaryOptions,
  BatchPlan,
  EpochRecord,
  ForwardMode,
  ScoreKind,
  ScoreOptions,
  StepProgress,
  Strategy,
  StrategyContext,
} from '../spec';
import { effectiveSampleSize } from '../sampling/weight-stats';
import type { DeviceSplit, TrainingSession } from './session';
import { learningRateOf, setLearningRate } from './optimizer';
import type { ScheduleConfig } from '../config/schema';
import { scheduledRate } from './lr-schedule';
import { Pacer } from './pacer';

export interface ArmOptions {
  name: string;
  strategyName: string;
  strategy: Strategy;
  session: TrainingSession;
  /** The arm's data-selection stream. */
  rng: Rng;
  /** The stream the model's dropout layers draw their masks from. */
  dropoutRng: Rng;
  labels: Int32Array;
  batchSize: number;
  epochs: number;
  validation: DeviceSplit;
  /** Builds a fresh session of the same architecture and optimizer (for auxiliary models). */
  freshSession: () => TrainingSession;
  /** Optional extra evaluation at epoch end, outside the arm's time (e.g. --eval-train). */
  extraEvaluation?: (session: TrainingSession) => Record<string, number>;
  /** The learning-rate schedule, applied before every step (constant when absent). */
  schedule?: ScheduleConfig;
  /** A budgeted run: what the arm spends, and how much. The schedule's progress is then the fraction spent. */
  budget?: BudgetMeter;
  /** The run's pacer, shared by its arms so yields follow wall time across epochs and arms. */
  pacer?: Pacer;
}

/** How a budgeted arm measures what it spent: its own clock (seconds) or cost units. */
export interface BudgetMeter {
  kind: 'seconds' | 'cost';
  total: number;
}

const now = () => performance.now() / 1000;

/** A copy of a model's weights, for putting back the best epoch's. */
function snapshotWeights(session: TrainingSession): tf.Tensor[] {
  return session.model.logits.getWeights().map((w) => w.clone());
}


/** Per-epoch tallies of the trained batches' weights. */
class WeightStats {
  private sum = 0;
  private count = 0;
  private max = 0;
  private essSum = 0;
  private batches = 0;

  add(weights: Float32Array | null, size: number): void {
    if (weights) {
      for (let i = 0; i < size; i++) {
        this.sum += weights[i];
        if (weights[i] > this.max) this.max = weights[i];
      }
      this.essSum += effectiveSampleSize(weights) / size;
    } else {
      this.sum += size;
      this.max = Math.max(this.max, 1);
      this.essSum += 1;
    }
    this.count += size;
    this.batches++;
  }

  values() {
    return {
      weight_mean: this.count ? this.sum / this.count : NaN,
      weight_max: this.count ? this.max : NaN,
      weight_ess: this.batches ? this.essSum / this.batches : NaN,
    };
  }
}

/** What the arm did since its last record: the sums a record is made of. */
class Tally {
  scoreTime = 0;
  trainTime = 0;
  scoreForwards = 0;
  trainForwards = 0;
  backwards = 0;
  steps = 0;
  lossSum = 0;
  correctSum = 0;
  trained = 0;
  activeSteps = 0;
  /** The arm's own training time (steps, scoring, sampling, epochStart/epochEnd; not evaluation). */
  time = 0;
  readonly weights = new WeightStats();

  get cost(): number {
    return this.scoreForwards + this.trainForwards + 2 * this.backwards;
  }
}

/** An epoch begun and not yet ended: a budgeted arm may stop inside one and carry on later. */
interface OpenEpoch {
  epoch: number;
  /** 0-based step within the epoch. */
  step: number;
  planned: number;
  ctx: StrategyContext;
  auxiliaries: AuxiliaryModel[];
  /** Training loss and accuracy sums of this epoch's steps so far, for the bar. */
  lossSum: number;
  correctSum: number;
  trained: number;
}

type Advance = 'epoch-end' | 'paused' | 'stopped';

/**
 * One arm: a strategy driving a training session. Times only its own work: the clock runs
 * while the strategy starts or ends an epoch and while steps run; evaluation is timed apart.
 * Epoch runs record once per epoch (runEpoch); budgeted runs train to a fraction of the budget,
 * across epoch ends and stopping inside an epoch, and record there (runToBudgetFraction).
 */
export class Arm {
  readonly records: EpochRecord[] = [];
  status: ArmStatus = 'running';
  /** Why the arm stopped early (diverged at epoch e step s). */
  stopReason?: string;
  /** Cumulative training time of the recorded rows (the arm's own clock). */
  wallTime = 0;
  /** Steps trained since the arm started: the schedule's step count (saved in checkpoints). */
  globalStep = 0;
  /** Epochs whose end the strategy was told of. */
  epochsEnded = 0;

  /** The optimizer's configured learning rate: the schedule starts from it, a plan's learningRateScale multiplies it. */
  private readonly baseLearningRate: number;
  private currentLearningRate: number;
  private tally = new Tally();
  private open: OpenEpoch | null = null;
  /** Cost units of the recorded rows. */
  private costSpent = 0;
  /** Start of the timed interval under way, and the event-loop pauses inside it. */
  private intervalStart = 0;
  private intervalPaused = 0;
  private timing = false;
  private readonly pacer: Pacer;

  constructor(readonly options: ArmOptions) {
    this.baseLearningRate = learningRateOf(options.session.optimizer);
    this.currentLearningRate = this.baseLearningRate;
    this.pacer = options.pacer ?? new Pacer();
  }

  get name(): string {
    return this.options.name;
  }

  /** The rate the last step used. */
  get learningRate(): number {
    return this.currentLearningRate;
  }

  /** What the arm spent so far, in the budget's unit (seconds of its own clock, or cost units). */
  spent(): number {
    if (this.options.budget?.kind === 'cost') return this.costSpent + this.tally.cost;
    const live = this.timing ? now() - this.intervalStart - this.intervalPaused : 0;
    return this.wallTime + this.tally.time + live;
  }

  /** Fraction of the budget spent (budgeted runs only). */
  budgetFraction(): number {
    return this.options.budget ? this.spent() / this.options.budget.total : NaN;
  }

  private setRate(lr: number): void {
    if (lr === this.currentLearningRate) return;
    setLearningRate(this.options.session.optimizer, lr);
    this.currentLearningRate = lr;
  }

  /** The run's progress when the next step starts: epochs (the open one in part) over epochs, or the budget spent. */
  private progress(): number {
    if (this.options.budget) return this.budgetFraction();
    const e = this.open!;
    return (e.epoch + e.step / Math.max(e.planned, e.step + 1)) / this.options.epochs;
  }

  private context(epoch: number, state: { step: number }, auxiliaries: AuxiliaryModel[]): StrategyContext {
    const o = this.options;
    const session = o.session;
    const tally = () => this.tally;
    return {
      n: o.labels.length,
      batchSize: o.batchSize,
      epoch,
      epochs: o.epochs,
      get step() {
        return state.step;
      },
      rng: o.rng,
      labels: o.labels,
      score: async (indices: Int32Array, kind: ScoreKind, options: ScoreOptions = {}) => {
        const t = now();
        const s = session.score(indices, kind, { chunkSize: options.forwardBatchSize, training: options.mode === 'training' });
        tally().scoreTime += now() - t;
        tally().scoreForwards += indices.length;
        if (kind === 'full_gnorm') tally().backwards += indices.length;
        return s;
      },
      trainingAccuracy: async (mode: ForwardMode = 'inference') => {
        const t = now();
        const { accuracy } = session.evaluate(undefined, { training: mode === 'training' });
        tally().scoreTime += now() - t;
        tally().scoreForwards += o.labels.length;
        return accuracy;
      },
      trainAuxiliary: async (indices: Int32Array, auxEpochs: number, options: AuxiliaryOptions = {}) => {
        const aux = o.freshSession();
        const b = options.batchSize ?? o.batchSize;
        let best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;
        for (let e = 0; e < auxEpochs; e++) {
          const perm = o.rng.permutation(indices.length);
          for (let s = 0; s < indices.length; s += b) {
            this.intervalPaused += await this.pacer.maybeYield();
            const batch = Int32Array.from(perm.subarray(s, s + b), (p) => indices[p]);
            aux.trainStep(batch, null);
            tally().trainForwards += batch.length;
            tally().backwards += batch.length;
          }
          if (!options.keepBestValidation) continue;
          const { loss } = aux.evaluate(o.validation);
          tally().scoreForwards += o.validation.n;
          // strictly lower, like a min-mode checkpoint: ties keep the earlier epoch
          if (best === null || loss < best.loss) {
            best?.weights.forEach((w) => w.dispose());
            best = { epoch: e + 1, loss, weights: snapshotWeights(aux) };
          }
        }
        if (best !== null) {
          aux.model.logits.setWeights(best.weights);
          best.weights.forEach((w) => w.dispose());
        }
        const model: AuxiliaryModel = {
          losses: async (idx) => {
            tally().scoreForwards += idx.length;
            return aux.score(idx, 'loss');
          },
          ...(best !== null ? { bestEpoch: best.epoch, bestValidationLoss: best.loss } : {}),
          dispose: () => aux.dispose(),
        };
        auxiliaries.push(model);
        return model;
      },
    };
  }

  /**
   * Trains from where the arm stands: opens `epoch` when no epoch is open, then steps until the
   * epoch ends (the strategy's epochEnd included), `pause()` says so before a step, or the arm
   * stops (diverged, or `shouldStop`). The time inside counts against the arm.
   */
  private async advance(epoch: number, onStep?: (p: StepProgress) => void, shouldStop?: () => boolean, pause?: () => boolean): Promise<Advance> {
    const { session, strategy } = this.options;
    this.intervalStart = now();
    this.intervalPaused = 0;
    this.timing = true;
    try {
      if (!this.open) {
        // before epochStart, whose work (scoring, auxiliary training) may be long
        this.intervalPaused += await this.pacer.maybeYield();
        if (shouldStop?.()) {
          this.status = 'interrupted';
          this.stopReason = `interrupted in epoch ${epoch + 1}, step 0`;
          return 'stopped';
        }
        const opened = { epoch, step: 0, planned: 0, auxiliaries: [], lossSum: 0, correctSum: 0, trained: 0 } as unknown as OpenEpoch;
        opened.ctx = this.context(epoch, opened, opened.auxiliaries);
        opened.planned = await strategy.epochStart(opened.ctx);
        this.open = opened;
      }
      const e = this.open;
      for (;;) {
        // outside the timed sections: the yield is not the arm's work
        this.intervalPaused += await this.pacer.maybeYield();
        if (shouldStop?.()) {
          this.status = 'interrupted';
          this.stopReason = `interrupted in epoch ${e.epoch + 1}, step ${e.step}`;
          return 'stopped';
        }
        if (pause?.()) return 'paused';
        const plan: BatchPlan | null = await strategy.nextBatch(e.ctx);
        if (!plan) break;
        const scheduled = scheduledRate(this.options.schedule, { step: this.globalStep, progress: this.progress() }, this.baseLearningRate);
        this.setRate(scheduled * (plan.learningRateScale ?? 1));
        const t = now();
        const result = session.trainStep(plan.indices, plan.weights, plan.topQ, { gnorm: strategy.reads?.includes('gnorm') ?? true });
        this.tally.trainTime += now() - t;
        if (!Number.isFinite(result.objective)) {
          this.status = 'diverged';
          this.stopReason = `non-finite loss (${result.objective}) in epoch ${e.epoch + 1}, step ${e.step + 1}`;
          return 'stopped';
        }
        const k = plan.indices.length;
        const tally = this.tally;
        tally.trainForwards += k;
        tally.backwards += k;
        tally.weights.add(plan.weights, k);
        if (plan.active) tally.activeSteps++;
        tally.lossSum += result.objective;
        e.lossSum += result.objective;
        let correct = 0;
        for (let i = 0; i < k; i++) correct += result.scores.correct[i];
        tally.correctSum += correct;
        e.correctSum += correct;
        tally.trained += k;
        e.trained += k;
        tally.steps++;
        strategy.observe(plan, result.scores, e.ctx);
        e.step++;
        this.globalStep++;
        onStep?.({
          step: e.step,
          plannedSteps: Math.max(e.planned, e.step),
          loss: e.lossSum / e.step,
          accuracy: session.regression ? NaN : e.correctSum / e.trained,
          elapsedS: this.tally.time + now() - this.intervalStart - this.intervalPaused,
        });
      }
      await strategy.epochEnd?.(e.ctx);
      this.closeEpoch();
      this.epochsEnded++;
      return 'epoch-end';
    } finally {
      this.tally.time += now() - this.intervalStart - this.intervalPaused;
      this.timing = false;
    }
  }

  /** Frees what the open epoch holds (its auxiliary models); the strategy is not told. */
  closeEpoch(): void {
    this.open?.auxiliaries.forEach((a) => a.dispose());
    this.open = null;
  }

  /** Evaluates (outside the arm's time) and turns the tally into a record; starts a new tally. */
  private record(epochNumber: number, extraColumns: Record<string, number> = {}): EpochRecord {
    const o = this.options;
    const t = this.tally;
    this.wallTime += t.time;
    this.costSpent += t.cost;
    const evalStart = now();
    const val = o.session.evaluate(o.validation);
    const evalTime = now() - evalStart;
    const { tau, ...diagnostics } = o.strategy.diagnostics?.() ?? {};
    // regression: the mean absolute error stands where accuracy would (which is NaN)
    const extra = { ...diagnostics, ...(val.mae !== undefined ? { val_mae: val.mae } : {}), ...(o.extraEvaluation?.(o.session) ?? {}), lr: this.currentLearningRate, ...extraColumns };
    const forwards = t.scoreForwards + t.trainForwards;
    const record: EpochRecord = {
      epoch: epochNumber,
      loss: t.steps ? t.lossSum / t.steps : NaN,
      accuracy: t.trained && !o.session.regression ? t.correctSum / t.trained : NaN,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
      epoch_time_s: t.time,
      train_time_s: t.trainTime,
      score_time_s: t.scoreTime,
      eval_time_s: evalTime,
      wall_time_s: this.wallTime,
      steps: t.steps,
      forward_samples: forwards,
      backward_samples: t.backwards,
      is_active: t.steps ? t.activeSteps / t.steps : 0,
      tau: tau ?? NaN,
      score_forward_samples: t.scoreForwards,
      cost_units: forwards + 2 * t.backwards,
      ...t.weights.values(),
      extra,
    };
    this.tally = new Tally();
    this.records.push(record);
    return record;
  }

  /**
   * Trains one epoch (0-based) and evaluates. Returns null when the arm stopped inside the
   * epoch (diverged, or `shouldStop` said so); the epoch is then not recorded.
   */
  async runEpoch(epoch: number, onStep?: (p: StepProgress) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
    const outcome = await this.advance(epoch, onStep, shouldStop);
    if (outcome === 'stopped') {
      this.closeEpoch();
      return null;
    }
    const record = this.record(epoch + 1);
    if (epoch + 1 === this.options.epochs) this.status = 'finished';
    return record;
  }

  /**
   * A budgeted arm: trains until it has spent `fraction` of its budget (checked before every
   * step, so it overshoots by at most one step), across epoch ends, then evaluates and records a
   * row with the fraction actually spent (`budget_fraction`) and the epoch it is in. At the last
   * fraction (1) the arm is finished. Null when it stopped (diverged, interrupted).
   */
  async runToBudgetFraction(fraction: number, onStep?: (p: StepProgress) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
    // a fraction already spent trains no step, where the stop request is otherwise heard: ask here too
    if (shouldStop?.()) {
      this.status = 'interrupted';
      this.stopReason = `interrupted at ${Math.round(100 * this.budgetFraction())}% of the budget`;
      this.closeEpoch();
      return null;
    }
    const reached = () => this.budgetFraction() >= fraction;
    while (!reached()) {
      const outcome = await this.advance(this.epochsEnded, onStep, shouldStop, reached);
      if (outcome === 'stopped') {
        this.closeEpoch();
        return null;
      }
      if (outcome === 'paused') break;
    }
    const epochNumber = (this.open?.epoch ?? this.epochsEnded - 1) + 1;
    const record = this.record(Math.max(1, epochNumber), { budget_fraction: this.budgetFraction(), epochs_ended: this.epochsEnded });
    if (fraction >= 1) {
      this.status = 'finished';
      this.closeEpoch();
    }
    return record;
  }
}
