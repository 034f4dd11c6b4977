import * as tf from '@tensorflow/tfjs';
import type { BuiltModel } from '../models/build';
import type { DataSplit, SampleScores, ScoreKind } from '../spec';
import { topK } from '../sampling/top-k';
import { absoluteErrors, correctPredictions, gradNormUpperBound, isRegression, lossFunction, perSampleLoss, type LossFunction } from './losses';
import { PlannedTraining } from './native-step';

/** A split resident on the backend, gathered from by index. */
export interface DeviceSplit {
  x: tf.Tensor;
  y: tf.Tensor2D;
  n: number;
}

export function toDevice(split: DataSplit, inputDtype: 'float32' | 'int32'): DeviceSplit {
  const width = split.x.length / Math.max(split.n, 1);
  const yWidth = split.y.length / Math.max(split.n, 1);
  return {
    x: tf.tensor2d(split.x, [split.n, width], inputDtype),
    y: tf.tensor2d(split.y, [split.n, yWidth], 'float32'),
    n: split.n,
  };
}

export function disposeSplit(split: DeviceSplit): void {
  split.x.dispose();
  split.y.dispose();
}

/** What a training step needs to compute beyond the loss and correctness. */
export interface StepOptions {
  /**
   * Whether the caller reads the gradient-norm bound (default true). Without it, tfjs's step skips
   * the bound's ops and returns NaN for it; a planned step computes it anyway (it costs nothing there).
   */
  gnorm?: boolean;
}

export interface StepResult {
  /** The optimised objective: mean_i(w_i loss_i) (or the top-q mean). */
  objective: number;
  scores: SampleScores;
}

export interface SessionOptions {
  /**
   * Run planned steps where they can run (default true); false keeps tfjs's own step, scoring and
   * evaluation everywhere (to compare the two, or to test one against the other).
   */
  planned?: boolean;
  /** The loss (default: the cross-entropy the model's output activation implies, squared error for linear). */
  loss?: LossFunction;
}

/** Mean loss and accuracy over a split; for regression accuracy is NaN and mae the mean absolute error. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  mae?: number;
}

/** Rows per forward pass when scoring or evaluating, unless the caller asks for another. */
const EVAL_CHUNK = 1024;

/** How a forward pass without a gradient runs: rows per pass, and dropout on (training) or off. */
export interface ForwardOptions {
  chunkSize?: number;
  training?: boolean;
}

/**
 * One arm's model and optimizer over device-resident data: the training step, the scoring
 * pass and evaluation. Owns no policy: which samples, with which weights, is the strategy's.
 */
export class TrainingSession {
  /** The planned step (src/train/native-step.ts); null once it is known that the model cannot be planned. */
  private planned: PlannedTraining | null | undefined;
  /** The per-sample loss the step optimises and the scores are computed from. */
  readonly loss: LossFunction;
  /** Regression: no accuracy (NaN), the mean absolute error in its place. */
  readonly regression: boolean;

  constructor(
    readonly model: BuiltModel,
    readonly optimizer: tf.Optimizer,
    private readonly train: DeviceSplit,
    options: SessionOptions = {},
  ) {
    if (options.planned === false) this.planned = null;
    this.loss = lossFunction(options.loss ?? model.outputActivation);
    this.regression = isRegression(this.loss);
  }

  /**
   * The planned step when it can run now: wasm with the native kernels, and a model and optimizer
   * it covers. Otherwise (other backends, IS_BENCH_NATIVE=0, other models) tfjs's own step runs.
   */
  private plan(): PlannedTraining | undefined {
    if (!PlannedTraining.active()) return undefined;
    if (this.planned === undefined) this.planned = PlannedTraining.create(this.model, this.optimizer, this.loss) ?? null;
    return this.planned ?? undefined;
  }

  private batch(split: DeviceSplit, indices: Int32Array): { x: tf.Tensor; y: tf.Tensor2D } {
    return tf.tidy(() => {
      const idx = tf.tensor1d(indices, 'int32');
      const x = tf.gather(split.x, idx).reshape([indices.length, ...this.model.inputShape]);
      return { x, y: tf.gather(split.y, idx) as tf.Tensor2D };
    });
  }

  /** One optimizer step on the weighted per-sample losses; returns their scores. */
  trainStep(indices: Int32Array, weights: Float32Array | null, topQ?: number, options: StepOptions = {}): StepResult {
    const planned = this.plan();
    if (planned) {
      const { objective, loss, gnorm, correct } = planned.trainStep(this.train, indices, weights, topQ);
      return { objective, scores: { loss, gnorm, correct } };
    }
    const act = this.loss;
    // a model whose logits were recovered from probabilities has no bound (NaN in its place)
    const withGnorm = (options.gnorm ?? true) && this.model.gnormBound !== false;
    const { x, y } = this.batch(this.train, indices);
    const k = indices.length;
    let stats: tf.Tensor | undefined;
    const cost = this.optimizer.minimize(
      () => {
        const z = this.model.logits.apply(x, { training: true }) as tf.Tensor2D;
        const losses = perSampleLoss(z, y, act);
        const parts = [losses, correctPredictions(z, y, act)];
        if (withGnorm) parts.push(gradNormUpperBound(z, y, act));
        stats = tf.keep(tf.concat(parts));
        const weighted = weights ? tf.mul(losses, tf.tensor1d(weights)) : losses;
        if (topQ === undefined || topQ >= k) return tf.mean(weighted) as tf.Scalar;
        // tfjs has no gradient for TopK: select the q largest by a constant 0/1 mask instead
        const mask = new Float32Array(k);
        topK(weighted.dataSync() as Float32Array, topQ).forEach((i) => (mask[i] = 1));
        return tf.div(tf.sum(tf.mul(weighted, tf.tensor1d(mask))), topQ) as tf.Scalar;
      },
      true,
      this.model.logits.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    x.dispose();
    y.dispose();
    // One download: the objective and the per-sample statistics together.
    const all = tf.tidy(() => tf.concat([cost!.reshape([1]), stats!]));
    const flat = all.dataSync() as Float32Array;
    [all, cost!, stats!].forEach((t) => t.dispose());
    return {
      objective: flat[0],
      scores: {
        loss: flat.slice(1, 1 + k),
        correct: Uint8Array.from(flat.subarray(1 + k, 1 + 2 * k)),
        gnorm: withGnorm ? flat.slice(1 + 2 * k, 1 + 3 * k) : new Float32Array(k).fill(NaN),
      },
    };
  }

  /** Scores of training samples, in chunks; inference mode (no dropout) unless `training`. */
  score(indices: Int32Array, kind: ScoreKind, options: ForwardOptions = {}): Float32Array {
    if (kind === 'full_gnorm') return this.fullGradNorms(indices);
    // the planned pass is inference mode; its own row blocks give the same values as any chunking
    const planned = options.training ? undefined : this.plan();
    if (planned) return planned.score(this.train, indices, kind);
    const out = new Float32Array(indices.length);
    const act = this.loss;
    const chunk = options.chunkSize ?? EVAL_CHUNK;
    const training = options.training ?? false;
    for (let start = 0; start < indices.length; start += chunk) {
      const part = indices.subarray(start, Math.min(start + chunk, indices.length));
      const values = tf.tidy(() => {
        const { x, y } = this.batch(this.train, part);
        const z = this.model.logits.apply(x, { training }) as tf.Tensor2D;
        return kind === 'loss' ? perSampleLoss(z, y, act) : gradNormUpperBound(z, y, act);
      });
      out.set(values.dataSync() as Float32Array, start);
      values.dispose();
    }
    return out;
  }

  /** The exact per-sample gradient norm over all trainable weights: one backward per sample (slow). */
  private fullGradNorms(indices: Int32Array): Float32Array {
    const act = this.loss;
    const vars = this.model.logits.trainableWeights.map((w) => w.read() as tf.Variable);
    const out = new Float32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      out[i] = tf.tidy(() => {
        const { x, y } = this.batch(this.train, indices.subarray(i, i + 1));
        const { grads } = tf.variableGrads(
          () => tf.sum(perSampleLoss(this.model.logits.apply(x, { training: false }) as tf.Tensor2D, y, act)) as tf.Scalar,
          vars,
        );
        const sq = Object.values(grads).map((g) => tf.sum(tf.square(g)));
        return Math.sqrt(tf.addN(sq).dataSync()[0]);
      });
    }
    return out;
  }

  /** Mean loss and accuracy over a whole split (the training set if none), inference mode unless `training`. */
  evaluate(split: DeviceSplit = this.train, options: ForwardOptions = {}): Evaluation {
    // a fit without validation data evaluates an empty split: no val_* values
    if (split.n === 0) return { loss: NaN, accuracy: NaN };
    // the planned pass has no absolute error: regression is evaluated by tfjs
    const planned = options.training || this.regression ? undefined : this.plan();
    if (planned) {
      const { lossSum, correctSum } = planned.evaluate(split);
      return { loss: lossSum / split.n, accuracy: correctSum / split.n };
    }
    const act = this.loss;
    const chunk = options.chunkSize ?? EVAL_CHUNK;
    const training = options.training ?? false;
    let lossSum = 0;
    let correctSum = 0;
    for (let start = 0; start < split.n; start += chunk) {
      const end = Math.min(start + chunk, split.n);
      const sums = tf.tidy(() => {
        const x = split.x.slice([start, 0], [end - start, -1]).reshape([end - start, ...this.model.inputShape]);
        const y = split.y.slice([start, 0], [end - start, -1]) as tf.Tensor2D;
        const z = this.model.logits.apply(x, { training }) as tf.Tensor2D;
        const second = this.regression ? absoluteErrors(z, y) : correctPredictions(z, y, act);
        return tf.stack([tf.sum(perSampleLoss(z, y, act)), tf.sum(second)]);
      });
      const [l, c] = sums.dataSync();
      sums.dispose();
      lossSum += l;
      correctSum += c;
    }
    if (this.regression) return { loss: lossSum / split.n, accuracy: NaN, mae: correctSum / split.n };
    return { loss: lossSum / split.n, accuracy: correctSum / split.n };
  }

  dispose(): void {
    if (this.model.borrowed) return;
    this.model.logits.dispose();
    this.optimizer.dispose();
  }
}
