/**
 * `importanceTraining(model, options).fit(x, y, ...)`: the reference library's
 * `ImportanceTraining(model).fit` for a caller's own tf.LayersModel, with any strategy of the
 * registry. It is an ordinary one-arm run of the training loop (src/train/experiment.ts) on the
 * caller's arrays and model, kept in memory: the same steps, scores, cost counts and records.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { resolveArm } from '../config/load';
import { ExperimentSchema, OptimizerSchema, type ArmConfig, type ExperimentConfig, type OptimizerConfig } from '../config/schema';
import { withOptimizerDefaults } from '../config/optimizer-defaults';
import { inMemoryDataset } from '../data/in-memory';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend';
import { UserError } from '../errors';
import { builtFromLayersModel, cloneLayersModel, kernelsOfLayersModel } from '../models/from-layers-model';
import type { ArmStatus, EpochRecord } from '../spec';
import { runExperiment } from '../train/experiment';
import { createOptimizer, learningRateOf } from '../train/optimizer';
import { checkLayersModel, lossFor, modelInterface } from './caller-model';
import { callbackList, checkedOptions, libraryEvents, shapedArray, type ArrayInput, type TrainingCallbacks } from './library-io';

/** How to train: a strategy of the registry and its parameters (as in a config's arm), and the run's settings. */
export interface ImportanceTrainingOptions {
  /** A strategy of the registry (`is-bench list`); default `upper-bound`, the reference's ImportanceTraining. */
  strategy?: string;
  /** Seeds the data-selection stream (default 0). */
  seed?: number;
  /**
   * The optimizer, as in a config (`{name: 'adam', learningRate: 0.001}`). Default: the model's
   * own when it is compiled, else adam with Keras' defaults.
   */
  optimizer?: OptimizerConfig;
  /** Which tfjs backend trains (default `auto`: as the CLI chooses). */
  backend?: BackendChoice;
  /** The strategy's parameters, e.g. `presample`, `tau_th`, `score` for upper-bound. */
  [param: string]: unknown;
}

export interface FitOptions {
  /** Default 32, as Keras. */
  batchSize?: number;
  /** Default 1, as Keras. */
  epochs?: number;
  /** `[x, y]` measured after every epoch (val_loss, val_accuracy); without it there are no val_* values. */
  validationData?: [ArrayInput, ArrayInput];
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
  /** 1 (or true): the CLI's plain progress on stdout (backend, model summary, one line per epoch). Default 0: nothing is printed. */
  verbose?: 0 | 1 | boolean;
}

/** Keras' History: `epoch` 0-based, one value per epoch in each `history` list; plus the full records. */
export interface FitHistory {
  epoch: number[];
  history: { loss: number[]; accuracy: number[]; val_loss?: number[]; val_accuracy?: number[] };
  /** Every epoch's record, as a row of the CLI's `<arm>.csv`. */
  records: EpochRecord[];
  /** finished, or diverged (a non-finite loss) or interrupted (`model.stopTraining = true`) with `stopReason`. */
  status: ArmStatus;
  stopReason?: string;
}

export interface ImportanceTraining {
  readonly strategy: string;
  /** The strategy's parameters with every default filled in. */
  readonly params: Record<string, unknown>;
  fit(x: ArrayInput, y: ArrayInput, options?: FitOptions): Promise<FitHistory>;
}

const WHERE = 'importanceTraining';

const LibraryOptionsSchema = z
  .object({
    strategy: z.string().min(1).default('upper-bound'),
    seed: ExperimentSchema.shape.seed,
    optimizer: OptimizerSchema.optional(),
    backend: z.enum(BACKEND_CHOICES as [BackendChoice, ...BackendChoice[]]).default('auto'),
  })
  .passthrough();

const FitOptionsSchema = z
  .object({
    batchSize: ExperimentSchema.shape.batchSize.default(32),
    epochs: ExperimentSchema.shape.epochs.default(1),
    validationData: z.tuple([z.any(), z.any()]).optional(),
    callbacks: z.any().optional(),
    verbose: z.union([z.boolean(), z.literal(0), z.literal(1)]).default(0),
  })
  .strict();

const OPTIMIZER_CLASSES: Record<string, OptimizerConfig['name']> = { SGD: 'sgd', Momentum: 'sgd', RMSProp: 'rmsprop', Adam: 'adam', Adadelta: 'adadelta', Adagrad: 'adagrad' };

/** The compiled optimizer as a config block, for the record of what trained. */
function describedOptimizer(optimizer: tf.Optimizer): OptimizerConfig {
  return { name: OPTIMIZER_CLASSES[optimizer.getClassName()] ?? 'sgd', learningRate: learningRateOf(optimizer) };
}

/** Keras' way to end a fit from a callback; an uncompiled Sequential model throws on it (it cannot have been set). */
function stopTrainingOf(model: tf.LayersModel): boolean {
  try {
    return model.stopTraining === true;
  } catch {
    return false;
  }
}

function setStopTraining(model: tf.LayersModel, stop: boolean): void {
  try {
    model.stopTraining = stop;
  } catch {
    // an uncompiled Sequential model: nothing to reset
  }
}

/**
 * Wraps `model` for training with a batch-selection strategy; `fit` trains the model itself
 * (its weights change, as with Keras' fit). Options are checked here: a bad one is a UserError.
 */
export function importanceTraining(model: tf.LayersModel, options: ImportanceTrainingOptions = {}): ImportanceTraining {
  const layersModel = checkLayersModel(model, WHERE);
  const { strategy, seed, optimizer, backend, ...params } = checkedOptions(LibraryOptionsSchema, options, `${WHERE} options`);
  const resolved = resolveArm({ name: strategy, strategy, ...params }, [`${WHERE} options`]);
  if (!resolved.arm) throw new UserError(resolved.problems.join('\n'));
  const arm: ArmConfig = resolved.arm;
  const built = builtFromLayersModel(layersModel, WHERE, { borrowed: true });
  const loss = lossFor(layersModel, built, WHERE);

  return {
    strategy: arm.strategy,
    params: arm.params,
    async fit(x, y, fitOptions = {}) {
      const o = checkedOptions(FitOptionsSchema, fitOptions, 'fit options');
      const validation = o.validationData as [ArrayInput, ArrayInput] | undefined;
      const dataset = inMemoryDataset(
        {
          train: { x: shapedArray(x, 'fit: x'), y: shapedArray(y, 'fit: y') },
          ...(validation ? { validation: { x: shapedArray(validation[0], 'fit: validationData[0]'), y: shapedArray(validation[1], 'fit: validationData[1]') } } : {}),
        },
        modelInterface(built),
        'fit',
      );
      // the model's own optimizer persists across fits, as in Keras; one from the options is this fit's
      const compiled = (layersModel as { optimizer?: tf.Optimizer }).optimizer;
      const own = optimizer || !compiled ? createOptimizer(optimizer ?? { name: 'adam' }) : undefined;
      const trainWith = own ?? compiled!;
      // auxiliary models (RHO-loss) are fresh copies starting from the weights fit started with
      const initial = layersModel.getWeights().map((w) => w.clone());
      const records: EpochRecord[] = [];
      const collect: TrainingCallbacks = { onEpochEnd: (_e, record) => records.push(record) };
      const cfg: ExperimentConfig = {
        name: 'fit',
        description: `importanceTraining(${layersModel.name}).fit`,
        dataset: { name: dataset.name, validation: 'test', options: {} },
        model: `tf.LayersModel ${layersModel.name}`,
        optimizer: own ? withOptimizerDefaults(optimizer ?? { name: 'adam' }) : describedOptimizer(trainWith),
        loss,
        epochs: o.epochs,
        batchSize: o.batchSize,
        seed,
        arms: [arm],
      };
      setStopTraining(layersModel, false);
      try {
        const run = await runExperiment(cfg, {
          backend,
          outDir: '',
          files: false,
          events: libraryEvents(o.verbose === true || o.verbose === 1, [collect, ...callbackList(o.callbacks as FitOptions['callbacks'])]),
          shouldStop: () => stopTrainingOf(layersModel),
          workload: {
            dataset,
            model: {
              kind: 'tf.LayersModel',
              kernels: kernelsOfLayersModel(layersModel),
              newModel: (_rng, role) => (role === 'arm' ? built : builtFromLayersModel(cloneLayersModel(layersModel, initial, WHERE), WHERE)),
              newOptimizer: (role) => (role === 'arm' ? trainWith : createOptimizer(cfg.optimizer)),
            },
          },
        });
        const a = run.summary.arms[0];
        const withValidation = dataset.validation.n > 0;
        return {
          epoch: records.map((r) => r.epoch - 1),
          history: {
            loss: records.map((r) => r.loss),
            accuracy: records.map((r) => r.accuracy),
            ...(withValidation ? { val_loss: records.map((r) => r.val_loss), val_accuracy: records.map((r) => r.val_accuracy) } : {}),
          },
          records,
          status: a.status,
          ...(a.stopReason ? { stopReason: a.stopReason } : {}),
        };
      } finally {
        initial.forEach((w) => w.dispose());
        own?.dispose();
      }
    },
  };
}
