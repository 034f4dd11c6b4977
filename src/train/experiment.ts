import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig, LayerSpec } from '../config/schema';
import { loadDataset } from '../data/registry';
import { type BackendChoice, selectBackend } from '../engine/backend';
import { UserError } from '../errors';
import { buildModel, kernelsNeeded, modelSummary } from '../models/build';
import { getZooModel } from '../models/zoo';
import { kerasNumber } from '../record/format';
import { configHash, gitCommit, machineInfo } from '../record/machine';
import { readArmCsv } from '../record/epoch-csv';
import { RunOutput } from '../record/run-output';
import { buildRunSummary, readRunSummary, type RunStatus, type RunSummary } from '../record/run-summary';
import { Rng } from '../rng';
import { getStrategy } from '../sampling/registry';
import { silentEvents, type LoadedDataset, type RunEvents } from '../spec';
import { Arm } from './arm';
import { hasCheckpoint, restoreArmCheckpoint, saveArmCheckpoint } from './checkpoint';
import { createOptimizer } from './optimizer';
import { Pacer } from './pacer';
import { disposeSplit, toDevice, TrainingSession, type DeviceSplit } from './session';
import { PROJECT_ROOT, storedExperiment } from '../config/load';

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
  /** Where the config came from (its file), for errors that only the dataset reveals. */
  configSource?: string;
}

export interface RunResult {
  summary: RunSummary;
  dir: string;
}

function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

/** Layers after the last one with units that keep its width. */
const WIDTH_KEEPING = new Set(['activation', 'dropout']);

/** The layer list of the experiment's model, given the dataset. `where` names the config in errors. */
export function modelLayers(cfg: ExperimentConfig, ds: LoadedDataset, where = `experiment ${cfg.name}`): LayerSpec[] {
  checkLossFitsTargets(cfg.loss, ds);
  if (typeof cfg.model !== 'string') {
    checkOutputUnits(cfg.model.layers, ds, where);
    return cfg.model.layers;
  }
  const binary = ds.labelKind === 'binary';
  if (binary !== (cfg.loss === 'binary_crossentropy')) {
    throw new UserError(`loss ${cfg.loss} does not fit dataset ${ds.name}, whose labels are ${ds.labelKind}`);
  }
  return getZooModel(cfg.model).layers({
    numClasses: ds.numClasses,
    outputUnits: binary ? 1 : ds.numClasses,
    outputActivation: binary ? 'sigmoid' : 'softmax',
    vocabSize: ds.vocabSize,
  });
}

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

/** Both losses available are cross-entropies: a dataset with regression targets has no loss yet. */
function checkLossFitsTargets(loss: ExperimentConfig['loss'], ds: LoadedDataset): void {
  if (ds.labelKind !== 'regression') return;
  throw new UserError(
    `loss ${loss} is a classification loss, but dataset ${ds.name} has regression targets ` +
      `(${ds.numClasses} value${ds.numClasses === 1 ? '' : 's'} per sample); regression losses are not available yet: ` +
      'for class labels set target: classes in the dataset block',
  );
}

/**
 * Runs an experiment: every arm from the same initial weights and seed, interleaved epoch
 * by epoch (A1 B1 A2 B2 ...) so machine drift hits every arm alike; files after every epoch.
 */
export async function runExperiment(cfg: ExperimentConfig, options: RunOptions): Promise<RunResult> {
  return execute(cfg, options, () => {
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

async function execute(
  cfg: ExperimentConfig,
  options: RunOptions,
  openOutput: () => { output: RunOutput; startedAt: string; resume?: boolean },
): Promise<RunResult> {
  const events = options.events ?? silentEvents;
  const checkpoints = options.checkpoint ?? true;
  const ds = await loadDataset(cfg.dataset, { seed: cfg.seed, dataDir: options.dataDir, log: (line) => events.log(line) });
  const where = options.configSource ?? `experiment ${cfg.name}`;
  if (ds.train.n < cfg.batchSize) {
    throw new UserError(`${where}: batchSize ${cfg.batchSize} is larger than the ${ds.train.n} training samples of dataset ${ds.name}; set batchSize (or --batch-size) to at most ${ds.train.n}`);
  }
  // what the run changes of what it was asked: one warning line each
  const warn = (line: string) => events.log(`warning: ${line}`);
  if (cfg.dataset.limit !== undefined && cfg.dataset.limit > ds.train.n) {
    warn(`limit ${cfg.dataset.limit} (--limit or dataset.limit) is more than the ${ds.train.n} training samples of dataset ${ds.name}: using all ${ds.train.n}`);
  }
  if (options.evalTrain !== undefined && options.evalTrain > ds.train.n) {
    warn(`--eval-train ${options.evalTrain} is more than the ${ds.train.n} training samples: measuring all ${ds.train.n}`);
  }
  const layers = modelLayers(cfg, ds, where);
  const backend = await selectBackend(options.backend, kernelsNeeded(layers));
  events.log(backend.line);
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
        return { train_eval_loss: r.loss, train_eval_accuracy: r.accuracy };
      }
    : undefined;
  const newSession = (dropoutRng: Rng) =>
    new TrainingSession(
      buildModel(layers, { inputShape: ds.inputShape, inputDtype: ds.inputDtype, vocabSize: ds.vocabSize, seed: cfg.seed, dropoutRng }),
      createOptimizer(cfg.optimizer),
      train,
    );

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
        session: newSession(dropoutRng),
        rng: Rng.forRole(cfg.seed, 'data-selection'),
        dropoutRng,
        labels: ds.train.labels,
        batchSize: cfg.batchSize,
        epochs: cfg.epochs,
        validation,
        freshSession: () => newSession(Rng.forRole(cfg.seed, 'auxiliary-dropout')),
        extraEvaluation,
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
  const firstEpoch = Math.min(...arms.map(({ arm }) => arm.records.length));
  try {
    for (let epoch = firstEpoch; epoch < cfg.epochs && !stopped; epoch++) {
      events.epochStart(epoch + 1, cfg.epochs);
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
        const record = await arm.runEpoch(
          epoch,
          (p) => {
            if (!announced) {
              events.armEpochStart(arm.name, p.plannedSteps);
              announced = true;
            }
            events.step(arm.name, p);
          },
          options.shouldStop,
        );
        if (record && test && record.epoch === cfg.epochs) {
          const t = arm.options.session.evaluate(test);
          record.extra.test_loss = t.loss;
          record.extra.test_accuracy = t.accuracy;
        }
        if (record) {
          output.writeArm(arm.name, arm.records);
          if (checkpoints) await saveArmCheckpoint(output.dir, arm);
        }
        events.armEpochEnd(arm.name, record, arm.status);
        if (record && record.extra.test_accuracy !== undefined) {
          events.log(`${arm.name}: test_loss ${kerasNumber(record.extra.test_loss)} - test_accuracy ${kerasNumber(record.extra.test_accuracy)} (${test!.n} test samples)`);
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
