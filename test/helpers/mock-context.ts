/**
 * A StrategyContext without a model: scores come from fixed per-sample tables (or a function),
 * so a strategy's rule can be checked against hand-computed probabilities and weights.
 * Records every scoring call and auxiliary-model request, like the loop's cost counters would.
 */
import { Rng } from '../../src/rng';
import type {
  AuxiliaryModel,
  AuxiliaryOptions,
  BatchPlan,
  ForwardMode,
  SampleScores,
  ScoreKind,
  ScoreOptions,
  Strategy,
  StrategyContext,
  StrategySetup,
} from '../../src/spec';

/**
 * Per-sample score tables (length n), or a function of (index, kind, mode); training steps
 * report their scores with mode 'training'.
 */
export type ScoreSource =
  | Partial<Record<ScoreKind, ArrayLike<number>>>
  | ((index: number, kind: ScoreKind, mode: ForwardMode) => number);

export interface MockContextOptions {
  n: number;
  batchSize: number;
  epochs?: number;
  seed?: number | string;
  /** Defaults: every score 1. */
  scores?: ScoreSource;
  /** 1 where sample i counts as correctly classified (default: all 0). */
  correct?: ArrayLike<number>;
  labels?: Int32Array;
  /** Losses the auxiliary (irreducible-loss) model reports, per sample (default 0). */
  auxiliaryLosses?: ArrayLike<number>;
  /** With keepBestValidation: the epoch and validation loss the auxiliary model says it kept (default: its last epoch, loss 0). */
  auxiliaryBest?: { epoch: number; validationLoss: number };
  /** What ctx.trainingAccuracy answers, per call (default: the mean of `correct`). */
  trainingAccuracy?: (mode: ForwardMode) => number;
}

export class MockContext implements StrategyContext {
  readonly n: number;
  readonly batchSize: number;
  epoch = 0;
  readonly epochs: number;
  step = 0;
  rng: Rng;
  readonly labels: Int32Array;
  scores: ScoreSource;
  correct: ArrayLike<number> | undefined;
  auxiliaryLosses: ArrayLike<number> | undefined;

  accuracySource: ((mode: ForwardMode) => number) | undefined;
  auxiliaryBest: { epoch: number; validationLoss: number } | undefined;

  /** Every ctx.score call, in order. */
  readonly scoreCalls: { indices: Int32Array; kind: ScoreKind; options: ScoreOptions; result: Float32Array }[] = [];
  /** Every ctx.trainingAccuracy call: the epoch and step it came in, the mode and the answer. */
  readonly accuracyCalls: { epoch: number; step: number; mode: ForwardMode; result: number }[] = [];
  /** Every ctx.trainAuxiliary call. */
  readonly auxiliaryCalls: { indices: Int32Array; epochs: number; options: AuxiliaryOptions }[] = [];
  /** Auxiliary models created this epoch; runEpoch disposes them at its end, as the loop does. */
  readonly liveAuxiliaries: AuxiliaryModel[] = [];
  /** Auxiliary models disposed so far. */
  auxiliaryDisposed = 0;
  /** Samples passed to ctx.score so far (the loop's scoring-forward counter). */
  scoredSamples = 0;

  constructor(opts: MockContextOptions) {
    this.n = opts.n;
    this.batchSize = opts.batchSize;
    this.epochs = opts.epochs ?? 1;
    this.rng = new Rng(opts.seed ?? 1);
    this.labels = opts.labels ?? new Int32Array(opts.n);
    this.scores = opts.scores ?? {};
    this.correct = opts.correct;
    this.auxiliaryLosses = opts.auxiliaryLosses;
    this.accuracySource = opts.trainingAccuracy;
    this.auxiliaryBest = opts.auxiliaryBest;
  }

  get setup(): StrategySetup {
    return { n: this.n, batchSize: this.batchSize, epochs: this.epochs, numClasses: 10 };
  }

  scoreOf(index: number, kind: ScoreKind, mode: ForwardMode = 'inference'): number {
    if (typeof this.scores === 'function') return this.scores(index, kind, mode);
    const table = this.scores[kind];
    return table ? table[index] : 1;
  }

  async score(indices: Int32Array, kind: ScoreKind, options: ScoreOptions = {}): Promise<Float32Array> {
    const result = Float32Array.from(indices, (i) => this.scoreOf(i, kind, options.mode ?? 'inference'));
    this.scoreCalls.push({ indices: Int32Array.from(indices), kind, options: { ...options }, result });
    this.scoredSamples += indices.length;
    return result;
  }

  async trainingAccuracy(mode: ForwardMode = 'inference'): Promise<number> {
    let result: number;
    if (this.accuracySource) result = this.accuracySource(mode);
    else {
      let sum = 0;
      for (let i = 0; i < this.n; i++) sum += this.correct ? this.correct[i] : 0;
      result = sum / this.n;
    }
    this.accuracyCalls.push({ epoch: this.epoch, step: this.step, mode, result });
    this.scoredSamples += this.n;
    return result;
  }

  async trainAuxiliary(indices: Int32Array, epochs: number, options: AuxiliaryOptions = {}): Promise<AuxiliaryModel> {
    this.auxiliaryCalls.push({ indices: Int32Array.from(indices), epochs, options: { ...options } });
    const table = this.auxiliaryLosses;
    let disposed = false;
    const model: AuxiliaryModel = {
      losses: async (idx: Int32Array) => {
        if (disposed) throw new Error('auxiliary model used after dispose');
        return Float32Array.from(idx, (i) => (table ? table[i] : 0));
      },
      ...(options.keepBestValidation
        ? { bestEpoch: this.auxiliaryBest?.epoch ?? epochs, bestValidationLoss: this.auxiliaryBest?.validationLoss ?? 0 }
        : {}),
      dispose: () => {
        // like a tfjs LayersModel, a second dispose is an error
        if (disposed) throw new Error('auxiliary model disposed twice');
        disposed = true;
        this.auxiliaryDisposed++;
      },
    };
    this.liveAuxiliaries.push(model);
    return model;
  }

  /** The scores a training step on `plan` would report, from the same tables. */
  trainingScores(plan: BatchPlan): SampleScores {
    const idx = plan.indices;
    return {
      loss: Float32Array.from(idx, (i) => this.scoreOf(i, 'loss', 'training')),
      gnorm: Float32Array.from(idx, (i) => this.scoreOf(i, 'gnorm', 'training')),
      correct: Uint8Array.from(idx, (i) => (this.correct ? this.correct[i] : 0)),
    };
  }
}

export interface EpochRun {
  planned: number;
  plans: BatchPlan[];
  diagnostics: Record<string, number>;
}

/**
 * Drives one epoch the way the loop does: epochStart, nextBatch/observe until null, epochEnd,
 * diagnostics. `ctx.step` counts steps; `ctx.epoch` is left as is (see runEpochs).
 */
export async function runEpoch(
  strategy: Strategy,
  ctx: MockContext,
  opts: { maxSteps?: number; observe?: boolean } = {},
): Promise<EpochRun> {
  const maxSteps = opts.maxSteps ?? 100 * (ctx.n + 1);
  ctx.step = 0;
  const planned = await strategy.epochStart(ctx);
  const plans: BatchPlan[] = [];
  for (;;) {
    if (ctx.step >= maxSteps) throw new Error(`epoch did not end within ${maxSteps} steps`);
    const plan = await strategy.nextBatch(ctx);
    if (plan === null) break;
    plans.push(plan);
    if (opts.observe !== false) strategy.observe(plan, ctx.trainingScores(plan), ctx);
    ctx.step++;
  }
  await strategy.epochEnd?.(ctx);
  ctx.liveAuxiliaries.splice(0).forEach((a) => a.dispose());
  return { planned, plans, diagnostics: strategy.diagnostics?.() ?? {} };
}

/** Runs `count` epochs starting at ctx.epoch, advancing ctx.epoch after each. */
export async function runEpochs(strategy: Strategy, ctx: MockContext, count: number): Promise<EpochRun[]> {
  const runs: EpochRun[] = [];
  for (let e = 0; e < count; e++) {
    runs.push(await runEpoch(strategy, ctx));
    ctx.epoch++;
  }
  return runs;
}

/** Plans as plain arrays, for equality checks across runs. */
export function plansToJson(plans: BatchPlan[]): unknown[] {
  return plans.map((p) => ({
    indices: Array.from(p.indices),
    weights: p.weights ? Array.from(p.weights) : null,
    active: p.active ?? null,
    topQ: p.topQ ?? null,
    learningRateScale: p.learningRateScale ?? null,
  }));
}
