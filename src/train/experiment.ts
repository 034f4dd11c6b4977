import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, LayerSpec, LossName } from '../config/schema';
import { lossOfName, REGRESSION_LOSSES } from './losses';
import { loadDataset } from '../data/registry';
import { type BackendChoice, selectBackend } from '../engine/backend';
import { UserError } from '../errors';
import { modelSummary, type BuiltModel, type OutputActivation } from '../models/build';
import { modelKernels, openModelSource, type ModelFacts, type ModelSource } from '../models/model-source';
import { kerasNumber } from '../record/format';
import { configHash, gitCommit, machineInfo } from '../record/machine';
import { readArmCsv } from '../record/epoch-csv';
import { RunOutput, timestampId, type RunFiles } from '../record/run-output';
import { buildRunSummary, readRunSummary, type RunStatus, type RunSummary } from '../record/run-summary';
import { Rng } from '../rng';
import { getStrategy } from '../sampling/registry';
import { silentEvents, type LoadedDataset, type RunEvents, type StepProgress } from '../spec';
import { Arm } from './arm';
import { hasCheckpoint, restoreArmCheckpoint, saveArmCheckpoint } from './checkpoint';
import { createOptimizer } from './optimizer';
import { Pacer } from './pacer';
import { disposeSplit, toDevice, TrainingSession, type DeviceSplit } from './session';
import { PROJECT_ROOT, storedExperiment } from '../config/load';
import { budgetLabel, budgetMeter, evaluationFractions } from '../config/budget';

export interface RunOptions {
  backend: BackendChoice;
  outDir: string;
  events?: RunEvents;
  /** Checked every step: true stops the run at once (the signal handlers set it). */
  shouldStop?: () => boolean;
  /** For tests: a fixed start date (run ids are timestamps). */
  now?: Date;
  /** Save a checkpoint per arm at every epoch end (default true), so `resume` can continue. */
  checkpoint?: boolean;
  /**
   * Measure every arm's loss and accuracy on a fixed subset of this many training samples at
   * each epoch end, in inference mode and outside the arm's time (train_eval_* columns).
   */
  evalTrain?: number;
  /** Write into exactly this new folder instead of `<outDir>/<experiment>/<run-id>` (repeats, sweeps). */
  runDir?: string;
  /** Marks the run as a quick (shortened) one in summary.json; reports say so. */
  quick?: boolean;
  /** A folder of datasets searched first (`--data-dir`), before $IS_BENCH_DATA and the rest. */
  dataDir?: string;
  /** Train on this dataset and these models instead of the config's `dataset` and `model` (the library's seam). */
  workload?: Workload;
  /** Write the run folder (default true); false keeps everything in memory and saves no checkpoints. */
  files?: boolean;
  /** Where the config came from (its file), for errors that only the dataset reveals. */
  configSource?: string;
}

export type SessionRole = 'arm' | 'auxiliary';

/**
 * What a run trains instead of the config's: a loaded dataset and, optionally, a builder of each
 * arm's model and optimizer (else the config's model is opened for the dataset). The library
 * passes the caller's arrays and model through it.
 */
export interface Workload {
  dataset: LoadedDataset;
  model?: WorkloadModel;
}

/** How a run gets its models: from the config's model source, or the caller's model (library). */
export interface WorkloadModel {
  /** How the model is named in messages (`model (tf.LayersModel): ...`). */
  kind: string;
  /** Kernels the model's training needs that not every backend has (for the backend choice). */
  kernels: string[];
  /** A model for an arm or for a strategy's auxiliary model: every call gives the same initial weights. */
  newModel(dropoutRng: Rng, role: SessionRole): BuiltModel;
  /** Its optimizer (default: from the config's optimizer block). */
  newOptimizer?(role: SessionRole): tf.Optimizer;
  /** Frees what it holds once the run is over (a model source's loaded weights). */
  dispose?(): void;
}

export interface RunResult {
  summary: RunSummary;
  dir: string;
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

/** The loss fits the dataset's targets: a cross-entropy for classes, mse/mae/huber for regression. */
function checkLossFitsTargets(loss: LossName, ds: LoadedDataset): void {
  const regressionLoss = REGRESSION_LOSSES.includes(loss);
  if (ds.labelKind === 'regression') {
    if (regressionLoss) return;
    throw new UserError(
      `loss ${loss} is a classification loss, but dataset ${ds.name} has regression targets ` +
        `(${ds.numClasses} value${ds.numClasses === 1 ? '' : 's'} per sample): use loss mse, mae or huber, ` +
        'or for class labels set target: classes in the dataset block',
    );
  }
  if (regressionLoss) {
    throw new UserError(`loss ${loss} is a regression loss, but dataset ${ds.name} has ${ds.labelKind} labels: use ${ds.labelKind === 'binary' ? 'binary_crossentropy' : 'categorical_crossentropy'}, or target: regression in the dataset block`);
  }
  const binary = ds.labelKind === 'binary';
  if (binary !== (loss === 'binary_crossentropy')) {
    throw new UserError(`loss ${loss} does not fit dataset ${ds.name}, whose labels are ${ds.labelKind}`);
  }
}

/** Layers after the last one with units that keep its width. */
const WIDTH_KEEPING = new Set(['activation', 'dropout']);

/**
 * The last layer with units must give one output per class (one for binary labels): otherwise
 * the loss meets a shape it cannot take, deep inside the first step.
 */
function checkOutputUnits(layers: readonly LayerSpec[], ds: LoadedDataset, where: string): void {
  let last = layers.length - 1;
  while (last >= 0 && WIDTH_KEEPING.has(layers[last].type)) last--;
  const layer = layers[last] as { units?: unknown } | undefined;
  if (typeof layer?.units !== 'number') return;
  const want = ds.labelKind === 'binary' ? 1 : ds.numClasses;
  if (layer.units === want) return;
  const labels = ds.labelKind === 'binary' ? 'binary labels (one output)' : `${ds.numClasses} classes`;
  throw new UserError(`${where}: model.layers[${last}].units is ${layer.units}, but dataset ${ds.name} has ${labels}; the output layer must have ${want} unit${want === 1 ? '' : 's'}`);
}

/** What the model source needs of the dataset and the loss (checked to fit each other). */
export function experimentModelFacts(cfg: ExperimentConfig, ds: LoadedDataset): ModelFacts {
  checkLossFitsTargets(cfg.loss, ds);
  const binary = ds.labelKind === 'binary';
  const regression = ds.labelKind === 'regression';
  return {
    sampleShape: ds.inputShape,
    inputDtype: ds.inputDtype,
    vocabSize: ds.vocabSize,
    numClasses: ds.numClasses,
    outputUnits: binary ? 1 : ds.numClasses,
    outputActivation: regression ? 'linear' : binary ? 'sigmoid' : 'softmax',
    logits: !regression,
    seed: cfg.seed,
  };
}

/**
 * The experiment's model source, opened on the chosen backend (a model.json's weights and a
 * factory's variables are created there); a module's model may need kernels that backend lacks.
 */
async function openExperimentModel(cfg: ExperimentConfig, facts: ModelFacts): Promise<ModelSource> {
  const source = await openModelSource(cfg.model, facts);
  const missing = source.kernels.filter((k) => !tf.getKernel(k, tf.getBackend()));
  if (missing.length) {
    source.dispose();
    throw new UserError(`model (${source.kind}): the ${tf.getBackend()} backend lacks kernels this model needs (${missing.join(', ')}); use --backend cpu, or build the native kernels (see README, Backends)`);
  }
  return source;
}

/** The output activation the loss takes its logits from; a model without it would train on the wrong function. */
export function checkModelFitsLoss(model: BuiltModel, loss: LossName, source: { kind: string }): void {
  const wanted: OutputActivation = REGRESSION_LOSSES.includes(loss) ? 'linear' : loss === 'binary_crossentropy' ? 'sigmoid' : 'softmax';
  if (model.outputActivation === wanted) return;
  if (wanted === 'linear') {
    throw new UserError(`model (${source.kind}): loss ${loss} takes the model's output as the prediction, but the layer list ends in a ${model.outputActivation}; end it with a linear layer`);
  }
  const got = model.outputActivation === 'linear' ? 'no softmax or sigmoid' : `a ${model.outputActivation}`;
  throw new UserError(`model (${source.kind}): loss ${loss} takes a ${wanted} output, but the model's last layer has ${got}; end the model with activation: ${wanted}`);
}

/** Strategies whose schedule reads the training accuracy, which a regression target does not have. */
const READS_ACCURACY: Record<string, string> = {
  'ordered-sgd': 'it lowers q when the training accuracy reaches accuracy_steps',
};

/** Regression has no accuracy: a strategy driven by it would never move, so it is refused. */
export function checkStrategiesFitLoss(cfg: ExperimentConfig): void {
  if (!REGRESSION_LOSSES.includes(cfg.loss)) return;
  const arm = cfg.arms.find((a) => READS_ACCURACY[a.strategy] !== undefined);
  if (!arm) return;
  throw new UserError(`arms ${arm.name}: strategy ${arm.strategy} needs an accuracy (${READS_ACCURACY[arm.strategy]}), which loss ${cfg.loss} (a regression) has not; use another strategy for this arm`);
}

/**
 * The gradient-norm bound is the norm of the loss's gradient with respect to the logits: on a
 * model whose logits could only be recovered from its probabilities it would be a different
 * quantity, so arms scoring by it are refused rather than run on a wrong bound.
 */
export function checkScoresReachable(cfg: ExperimentConfig, model: BuiltModel): void {
  if (model.gnormBound !== false) return;
  const arm = cfg.arms.find((a) => a.params.score === 'gnorm' || a.params.score === 'full_gnorm');
  if (!arm) return;
  throw new UserError(
    `arms ${arm.name}: score ${String(arm.params.score)} needs the model's logits, but its ${model.outputActivation} sits inside a layer that cannot be split off ` +
      `(only a Dense or Activation last layer can); set score: loss in this arm (it works on any model), or end the model with Dense + Activation`,
  );
}

/**
 * Runs an experiment: every arm from the same initial weights and seed, interleaved epoch
 * by epoch (A1 B1 A2 B2 ...) so machine drift hits every arm alike; files after every epoch.
 */
export async function runExperiment(cfg: ExperimentConfig, options: RunOptions): Promise<RunResult> {
  return execute(cfg, options, () => {
    if (options.files === false) return { output: RunOutput.discard(timestampId(options.now)), startedAt: new Date().toISOString() };
    const output = options.runDir ? RunOutput.createAt(options.runDir) : RunOutput.create(options.outDir, cfg.name, options.now);
    return { output, startedAt: new Date().toISOString() };
  });
}

/**
 * Continues an interrupted or preempted run from each arm's last finished epoch (its
 * checkpoint), in the same folder. Arms without a checkpoint start over.
 */
export async function resumeExperiment(runDir: string, options: Omit<RunOptions, 'outDir'>): Promise<RunResult> {
  const previous = readRunSummary(runDir);
  const config = storedExperiment(previous.config, path.join(runDir, 'summary.json'));
  if (config.budget) {
    // a budgeted arm stops inside epochs, where no strategy's state is saved
    throw new UserError(`${runDir}: a budgeted run cannot be resumed (its arms stop inside epochs, where nothing is checkpointed); run it again`);
  }
  return execute(config, { ...options, configSource: path.join(runDir, 'summary.json'), outDir: path.dirname(path.dirname(runDir)), evalTrain: previous.evalTrain, quick: previous.quick }, () => ({
    output: RunOutput.open(runDir),
    startedAt: previous.startedAt ?? new Date().toISOString(),
    resume: true,
  }));
}

/** A strategy's parameter errors (only the dataset's size can reveal some) name the config and the arm. */
function withSource<T>(where: string, arm: number, create: () => T): T {
  try {
    return create();
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${where}: arms[${arm}]: ${e.message}`, e.exitCode);
    throw e;
  }
}

/** A fixed, seeded subset of the training set (the same for every arm) for --eval-train. */
function trainSubset(train: DeviceSplit, n: number, size: number, seed: number): DeviceSplit {
  const pick = Rng.forRole(seed, 'eval-train').permutation(n).slice(0, Math.min(size, n));
  return tf.tidy(() => {
    const idx = tf.tensor1d(pick, 'int32');
    return { x: tf.gather(train.x, idx), y: tf.gather(train.y, idx) as tf.Tensor2D, n: pick.length };
  });
}

/** The config's model (zoo, layer list, model.json, module), opened on the backend that is active. */
async function configModel(cfg: ExperimentConfig, facts: ModelFacts): Promise<WorkloadModel> {
  const source = await openExperimentModel(cfg, facts);
  return { kind: source.kind, kernels: source.kernels, newModel: (dropoutRng) => source.build(cfg.seed, dropoutRng), dispose: () => source.dispose() };
}

async function execute(
  cfg: ExperimentConfig,
  options: RunOptions,
  openOutput: () => { output: RunFiles; startedAt: string; resume?: boolean },
): Promise<RunResult> {
  const events = options.events ?? silentEvents;
  // budgeted arms stop inside epochs, where strategies keep no resumable state
  const checkpoints = (options.checkpoint ?? true) && options.files !== false && !cfg.budget;
  const ds = options.workload?.dataset ?? (await loadDataset(cfg.dataset, { seed: cfg.seed, dataDir: options.dataDir, log: (line) => events.log(line) }));
  const where = options.configSource ?? `experiment ${cfg.name}`;
  if (ds.train.n < cfg.batchSize) {
    throw new UserError(`${where}: batchSize ${cfg.batchSize} is larger than the ${ds.train.n} training samples of dataset ${ds.name}; set batchSize (or --batch-size) to at most ${ds.train.n}`);
  }
  const modelFacts = experimentModelFacts(cfg, ds);
  checkStrategiesFitLoss(cfg);
  if (typeof cfg.model === 'object' && 'layers' in cfg.model) checkOutputUnits(cfg.model.layers, ds, where);
  const given = options.workload?.model;
  const backend = await selectBackend(options.backend, given?.kernels ?? modelKernels(cfg.model, modelFacts));
  // what the run changes of what it was asked: one warning line each
  const warn = (line: string) => events.log(`warning: ${line}`);
  if (cfg.dataset.limit !== undefined && cfg.dataset.limit > ds.train.n) {
    warn(`limit ${cfg.dataset.limit} (--limit or dataset.limit) is more than the ${ds.train.n} training samples of dataset ${ds.name}: using all ${ds.train.n}`);
  }
  if (options.evalTrain !== undefined && options.evalTrain > ds.train.n) {
    warn(`--eval-train ${options.evalTrain} is more than the ${ds.train.n} training samples: measuring all ${ds.train.n}`);
  }
  events.log(backend.line);
  const models = given ?? (await configModel(cfg, modelFacts));
  ds.info.forEach((l) => events.log(l));

  const { output, startedAt, resume } = openOutput();
  const train = toDevice(ds.train, ds.inputDtype);
  const validation = toDevice(ds.validation, ds.inputDtype);
  // validation carved out of train (Reuters): the test split is measured once, after the last epoch
  const test = ds.test ? toDevice(ds.test, ds.inputDtype) : undefined;
  const setup = { n: ds.train.n, batchSize: cfg.batchSize, epochs: cfg.epochs, numClasses: ds.numClasses };
  const evalTrain = options.evalTrain ? trainSubset(train, ds.train.n, options.evalTrain, cfg.seed) : undefined;
  const extraEvaluation = evalTrain
    ? (session: TrainingSession) => {
        const r = session.evaluate(evalTrain);
        return { train_eval_loss: r.loss, train_eval_accuracy: r.accuracy, ...(r.mae !== undefined ? { train_eval_mae: r.mae } : {}) };
      }
    : undefined;
  const newSession = (dropoutRng: Rng, role: SessionRole) => {
    const model = models.newModel(dropoutRng, role);
    checkModelFitsLoss(model, cfg.loss, models);
    checkScoresReachable(cfg, model);
    return new TrainingSession(model, models.newOptimizer?.(role) ?? createOptimizer(cfg.optimizer), train, { loss: lossOfName(cfg.loss, cfg.huberDelta) });
  };

  const pacer = new Pacer();
  const arms = cfg.arms.map((a, i) => {
    const def = getStrategy(a.strategy);
    const dropoutRng = Rng.forRole(cfg.seed, 'dropout');
    const strategy = withSource(where, i, () => def.create(a.params, setup));
    return {
      config: a,
      baseline: def.baseline === true,
      costModelRatio: def.costModel?.(a.params, setup),
      arm: new Arm({
        name: a.name,
        strategyName: a.strategy,
        strategy,
        session: newSession(dropoutRng, 'arm'),
        rng: Rng.forRole(cfg.seed, 'data-selection'),
        dropoutRng,
        labels: ds.train.labels,
        batchSize: cfg.batchSize,
        epochs: cfg.epochs,
        validation,
        freshSession: () => newSession(Rng.forRole(cfg.seed, 'auxiliary-dropout'), 'auxiliary'),
        extraEvaluation,
        schedule: cfg.optimizer.schedule,
        ...(cfg.budget ? { budget: budgetMeter(cfg.budget, ds.train.n) } : {}),
        pacer,
      }),
    };
  });
  modelSummary(arms[0].arm.options.session.model).forEach((l) => events.log(l));
  if (resume) {
    for (const { arm } of arms) {
      if (hasCheckpoint(output.dir, arm.name)) {
        const csv = readArmCsv(output.dir, arm.name, 'arm name');
        await restoreArmCheckpoint(output.dir, arm, csv?.records ?? [], csv?.file ?? output.armCsvPath(arm.name));
        events.log(`${arm.name}: resuming after epoch ${arm.records.length} (${arm.status})`);
      } else {
        events.log(`${arm.name}: no checkpoint, starting from epoch 1`);
      }
    }
  }

  const facts = {
    version: packageVersion(),
    experiment: cfg.name,
    runId: output.runId,
    seed: cfg.seed,
    startedAt,
    config: cfg,
    dataset: {
      source: ds.source,
      train: ds.train.n,
      validation: ds.validation.n,
      ...(ds.test ? { test: ds.test.n } : {}),
      info: ds.info,
    },
    backend: backend.name,
    backendLine: backend.line,
    versions: { isBench: packageVersion(), tfjs: tf.version.tfjs, node: process.version },
    machine: machineInfo(),
    commit: gitCommit(PROJECT_ROOT),
    configHash: configHash(cfg),
    ...(options.evalTrain ? { evalTrain: options.evalTrain } : {}),
    ...(options.quick ? { quick: true } : {}),
  };
  const summary = (status: RunStatus): RunSummary =>
    buildRunSummary(
      facts,
      status,
      arms.map(({ config, arm, baseline, costModelRatio }) => ({ ...config, status: arm.status, stopReason: arm.stopReason, records: arm.records, baseline, costModelRatio })),
    );
  output.writeJson('summary.json', summary('running'));

  let stopped = false;
  if (cfg.budget) {
    const meter = budgetMeter(cfg.budget, ds.train.n);
    events.log(`budget: ${budgetLabel(cfg.budget)} per arm${meter.kind === 'cost' && cfg.budget.uniformEpochs ? ` (${meter.total} cost units)` : ''}, evaluated at ${cfg.budget.evaluations} equal fractions of it`);
  }
  const fractions = cfg.budget ? evaluationFractions(cfg.budget.evaluations) : [];
  const rounds = cfg.budget ? fractions.length : cfg.epochs;
  const firstEpoch = Math.min(...arms.map(({ arm }) => arm.records.length));
  try {
    for (let epoch = firstEpoch; epoch < rounds && !stopped; epoch++) {
      events.epochStart(epoch + 1, rounds);
      for (const { arm } of arms) {
        if (arm.status !== 'running' || arm.records.length > epoch) continue;
        // the seam after the previous arm's evaluation, CSV and checkpoint: a stop is seen here
        // however short the epochs are
        await pacer.yieldNow();
        if (options.shouldStop?.()) {
          stopped = true;
          break;
        }
        let announced = false;
        const onStep = (p: StepProgress) => {
          if (!announced) {
            events.armEpochStart(arm.name, p.plannedSteps);
            announced = true;
          }
          events.step(arm.name, p);
        };
        const record = cfg.budget
          ? await arm.runToBudgetFraction(fractions[epoch], onStep, options.shouldStop)
          : await arm.runEpoch(epoch, onStep, options.shouldStop);
        if (record && test && (arm.status as string) === 'finished') {
          const t = arm.options.session.evaluate(test);
          record.extra.test_loss = t.loss;
          record.extra.test_accuracy = t.accuracy;
          if (t.mae !== undefined) record.extra.test_mae = t.mae;
        }
        if (record) {
          output.writeArm(arm.name, arm.records);
          if (checkpoints) await saveArmCheckpoint(output.dir, arm);
        }
        events.armEpochEnd(arm.name, record, arm.status);
        if (record && record.extra.test_accuracy !== undefined) {
          const metric = record.extra.test_mae !== undefined ? `test_mae ${kerasNumber(record.extra.test_mae)}` : `test_accuracy ${kerasNumber(record.extra.test_accuracy)}`;
          events.log(`${arm.name}: test_loss ${kerasNumber(record.extra.test_loss)} - ${metric} (${test!.n} test samples)`);
        }
        if ((arm.status as string) === 'interrupted') {
          stopped = true;
          break;
        }
      }
      output.writeJson('summary.json', summary('running'));
      events.epochEnd(epoch + 1);
    }
  } finally {
    for (const { arm } of arms) arm.options.session.dispose();
    models.dispose?.();
    disposeSplit(train);
    disposeSplit(validation);
    if (test) disposeSplit(test);
    if (evalTrain) disposeSplit(evalTrain);
  }
  for (const { arm } of arms) {
    if (stopped && arm.status === 'running') {
      arm.status = 'interrupted';
      arm.stopReason = `stopped after epoch ${arm.records.length}`;
    }
  }
  const status: RunStatus = stopped ? 'interrupted' : arms.some(({ arm }) => arm.status === 'diverged') ? 'diverged' : 'finished';
  const final = summary(status);
  output.writeJson('summary.json', final);
  return { summary: final, dir: output.dir };
}
