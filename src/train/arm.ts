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
  /** The run's pacer, shared by its arms so yields follow wall time across epochs and arms. */
  pacer?: Pacer;
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

/**
 * One arm: a strategy driving a training session, epoch by epoch. Times only its own work:
 * the epoch clock runs from epochStart to the last step; evaluation is timed apart.
 */
export class Arm {
  readonly records: EpochRecord[] = [];
  status: ArmStatus = 'running';
  /** Why the arm stopped early (diverged at epoch e step s). */
  stopReason?: string;
  /** Cumulative training time of the finished epochs (the arm's own clock). */
  wallTime = 0;

  /** The optimizer's configured learning rate; a plan's learningRateScale multiplies it. */
  private readonly baseLearningRate: number;
  private learningRateScale = 1;

  private readonly pacer: Pacer;

  constructor(readonly options: ArmOptions) {
    this.baseLearningRate = learningRateOf(options.session.optimizer);
    this.pacer = options.pacer ?? new Pacer();
  }

  private interrupt(epoch: number, step: number): null {
    this.status = 'interrupted';
    this.stopReason = `interrupted in epoch ${epoch + 1}, step ${step}`;
    return null;
  }

  private applyLearningRateScale(scale: number): void {
    if (scale === this.learningRateScale) return;
    setLearningRate(this.options.session.optimizer, this.baseLearningRate * scale);
    this.learningRateScale = scale;
  }

  get name(): string {
    return this.options.name;
  }

  /**
   * Trains one epoch (0-based) and evaluates. Returns null when the arm stopped inside the
   * epoch (diverged, or `shouldStop` said so); the epoch is then not recorded.
   */
  async runEpoch(epoch: number, onStep?: (p: StepProgress) => void, shouldStop?: () => boolean): Promise<EpochRecord | null> {
    const o = this.options;
    const { session, strategy } = o;
    // before epochStart, whose work (scoring, auxiliary training) may be long
    await this.pacer.maybeYield();
    if (shouldStop?.()) return this.interrupt(epoch, 0);
    let step = 0;
    /** Seconds spent yielding to the event loop inside the epoch clock: not the arm's work. */
    let pausedTime = 0;
    let scoreTime = 0;
    let trainTime = 0;
    let scoreForwards = 0;
    let trainForwards = 0;
    let backwards = 0;
    const auxiliaries: AuxiliaryModel[] = [];
    const ctx: StrategyContext = {
      n: o.labels.length,
      batchSize: o.batchSize,
      epoch,
      epochs: o.epochs,
      get step() {
        return step;
      },
      rng: o.rng,
      labels: o.labels,
      score: async (indices: Int32Array, kind: ScoreKind, options: ScoreOptions = {}) => {
        const t = now();
        const s = session.score(indices, kind, { chunkSize: options.forwardBatchSize, training: options.mode === 'training' });
        scoreTime += now() - t;
        scoreForwards += indices.length;
        if (kind === 'full_gnorm') backwards += indices.length;
        return s;
      },
      trainingAccuracy: async (mode: ForwardMode = 'inference') => {
        const t = now();
        const { accuracy } = session.evaluate(undefined, { training: mode === 'training' });
        scoreTime += now() - t;
        scoreForwards += o.labels.length;
        return accuracy;
      },
      trainAuxiliary: async (indices: Int32Array, auxEpochs: number, options: AuxiliaryOptions = {}) => {
        const aux = o.freshSession();
        const b = options.batchSize ?? o.batchSize;
        let best: { epoch: number; loss: number; weights: tf.Tensor[] } | null = null;
        for (let e = 0; e < auxEpochs; e++) {
          const perm = o.rng.permutation(indices.length);
          for (let s = 0; s < indices.length; s += b) {
            pausedTime += await this.pacer.maybeYield();
            const batch = Int32Array.from(perm.subarray(s, s + b), (p) => indices[p]);
            aux.trainStep(batch, null);
            trainForwards += batch.length;
            backwards += batch.length;
          }
          if (!options.keepBestValidation) continue;
          const { loss } = aux.evaluate(o.validation);
          scoreForwards += o.validation.n;
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
            scoreForwards += idx.length;
            return aux.score(idx, 'loss');
          },
          ...(best !== null ? { bestEpoch: best.epoch, bestValidationLoss: best.loss } : {}),
          dispose: () => aux.dispose(),
        };
        auxiliaries.push(model);
        return model;
      },
    };

    const start = now();
    const planned = await strategy.epochStart(ctx);
    let lossSum = 0;
    let correctSum = 0;
    let trained = 0;
    let activeSteps = 0;
    const weights = new WeightStats();
    for (;;) {
      // outside the timed sections: the yield is not the arm's work
      pausedTime += await this.pacer.maybeYield();
      if (shouldStop?.()) return this.interrupt(epoch, step);
      const plan: BatchPlan | null = await strategy.nextBatch(ctx);
      if (!plan) break;
      this.applyLearningRateScale(plan.learningRateScale ?? 1);
      const t = now();
      const result = session.trainStep(plan.indices, plan.weights, plan.topQ, { gnorm: strategy.reads?.includes('gnorm') ?? true });
      trainTime += now() - t;
      if (!Number.isFinite(result.objective)) {
        this.status = 'diverged';
        this.stopReason = `non-finite loss (${result.objective}) in epoch ${epoch + 1}, step ${step + 1}`;
        return null;
      }
      const k = plan.indices.length;
      trainForwards += k;
      backwards += k;
      weights.add(plan.weights, k);
      if (plan.active) activeSteps++;
      lossSum += result.objective;
      for (let i = 0; i < k; i++) correctSum += result.scores.correct[i];
      trained += k;
      strategy.observe(plan, result.scores, ctx);
      step++;
      onStep?.({
        step,
        plannedSteps: Math.max(planned, step),
        loss: lossSum / step,
        accuracy: correctSum / trained,
        elapsedS: now() - start - pausedTime,
      });
    }
    await strategy.epochEnd?.(ctx);
    const epochTime = now() - start - pausedTime;
    auxiliaries.forEach((a) => a.dispose());
    this.wallTime += epochTime;

    const evalStart = now();
    const val = session.evaluate(o.validation);
    const evalTime = now() - evalStart;
    const { tau, ...diagnostics } = strategy.diagnostics?.() ?? {};
    const extra = { ...diagnostics, ...(o.extraEvaluation?.(session) ?? {}) };
    const forwards = scoreForwards + trainForwards;
    const record: EpochRecord = {
      epoch: epoch + 1,
      loss: step ? lossSum / step : NaN,
      accuracy: trained ? correctSum / trained : NaN,
      val_loss: val.loss,
      val_accuracy: val.accuracy,
      epoch_time_s: epochTime,
      train_time_s: trainTime,
      score_time_s: scoreTime,
      eval_time_s: evalTime,
      wall_time_s: this.wallTime,
      steps: step,
      forward_samples: forwards,
      backward_samples: backwards,
      is_active: step ? activeSteps / step : 0,
      tau: tau ?? NaN,
      score_forward_samples: scoreForwards,
      cost_units: forwards + 2 * backwards,
      ...weights.values(),
      extra,
    };
    this.records.push(record);
    if (epoch + 1 === o.epochs) this.status = 'finished';
    return record;
  }
}
