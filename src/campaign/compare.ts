/**
 * `compare({model, data, arms, ...})`: a whole side-by-side run from code. The model and the data
 * are the caller's (a tf.LayersModel or a factory, tensors or arrays) or a config's (a zoo name or
 * layer list, a dataset block); either way it is an ordinary run of the experiment runner, and
 * its result is the run's summary.json. With `out` it writes the files `is-bench run` writes.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { resolveExperiment } from '../config/load';
import { ExperimentSchema, ModelSchema, OptimizerSchema, type ExperimentConfig } from '../config/schema';
import { inMemoryDataset, type InMemorySplits, type ModelInterface, type ShapedArray } from '../data/in-memory';
import { loadDataset } from '../data/registry';
import { BACKEND_CHOICES, type BackendChoice } from '../engine/backend';
import { UserError } from '../errors';
import type { BuiltModel } from '../models/build';
import { builtFromLayersModel, cloneLayersModel, kernelsOfLayersModel } from '../models/from-layers-model';
import { userModel } from '../models/user-model';
import type { RunSummary } from '../record/run-summary';
import type { LoadedDataset, RunEvents } from '../spec';
import { runExperiment, type Workload, type WorkloadModel } from '../train/experiment';
import { runCampaign } from './campaign';
import { checkLayersModel, lossFor, modelInterface } from './caller-model';
import { callbackList, checkedOptions, libraryEvents, shapedArray, type ArrayInput, type TrainingCallbacks } from './library-io';

/** The caller's data: training inputs and targets, and optionally what val_* is measured on. */
export interface ArrayData {
  x: ArrayInput;
  y: ArrayInput;
  validation?: [ArrayInput, ArrayInput] | { x: ArrayInput; y: ArrayInput };
}

/** An arm as in a config (`{name, strategy, ...params}`; name defaults to the strategy), or just a strategy name. */
export type CompareArm = string | ({ name?: string; strategy: string } & Record<string, unknown>);

export interface CompareOptions {
  /** A tf.LayersModel (copied for every arm; the caller's model is not trained), a factory called once, or a config's model (zoo name or `{layers}`). */
  model: tf.LayersModel | (() => tf.LayersModel) | z.input<typeof ModelSchema>;
  /** Tensors or arrays (`{x, y, validation}`), or a config's dataset block (`{name: 'synthetic', train: 2000}`). */
  data: ArrayData | Record<string, unknown>;
  arms: CompareArm[];
  epochs: number;
  batchSize: number;
  seed?: number;
  /** As in a config; default adam with Keras' defaults. */
  optimizer?: z.input<typeof OptimizerSchema>;
  /** For a config model; a tf.LayersModel's loss follows from its output activation. Default categorical_crossentropy. */
  loss?: ExperimentConfig['loss'];
  /** The experiment's name: the results folder under `out` (default `compare`). */
  name?: string;
  /** A results folder: the run goes to `<out>/<name>/<run-id>/` with the CSVs, summary.json and the report, as `is-bench run --out`. */
  out?: string;
  /** Where built-in datasets are looked for first (as `--data-dir`). */
  dataDir?: string;
  backend?: BackendChoice;
  /** The CLI's plain progress on stdout (backend, model summary, one line per arm and epoch); default: nothing is printed. */
  verbose?: boolean;
  /** Called for every arm (its name is the third argument). */
  callbacks?: TrainingCallbacks | TrainingCallbacks[];
}

const CompareSchema = z
  .object({
    model: z.any(),
    data: z.any(),
    arms: z.array(z.union([z.string().min(1), z.object({ name: z.string().optional(), strategy: z.string() }).passthrough()])).min(1),
    epochs: ExperimentSchema.shape.epochs,
    batchSize: ExperimentSchema.shape.batchSize,
    seed: ExperimentSchema.shape.seed,
    optimizer: OptimizerSchema.default({ name: 'adam' }),
    loss: ExperimentSchema.shape.loss.optional(),
    name: ExperimentSchema.shape.name.default('compare'),
    out: z.string().min(1).optional(),
    dataDir: z.string().min(1).optional(),
    backend: z.enum(BACKEND_CHOICES as [BackendChoice, ...BackendChoice[]]).default('auto'),
    verbose: z.boolean().default(false),
    callbacks: z.any().optional(),
  })
  .strict();

const isArrayData = (data: unknown): data is ArrayData => data !== null && typeof data === 'object' && 'x' in data;
const isCallerModel = (model: unknown) => typeof model === 'function' || (model !== null && typeof model === 'object' && 'getWeights' in model);

/** A dataset block standing in for the caller's arrays while the rest of the config is validated; never loaded. */
const PLACEHOLDER_DATASET = { name: 'synthetic' };
/** A model standing in for the caller's while the rest is validated; never built. */
const PLACEHOLDER_MODEL = 'tiny-mlp';

function validationArrays(v: ArrayData['validation']): { x: ShapedArray; y: ShapedArray } | undefined {
  if (v === undefined) return undefined;
  const [x, y] = Array.isArray(v) ? v : [v.x, v.y];
  return { x: shapedArray(x, 'compare: data.validation x'), y: shapedArray(y, 'compare: data.validation y') };
}

/** What a config model must fit when the data are the caller's arrays: inputs from x, classes from y. */
function arraysInterface(x: ShapedArray, y: ShapedArray, loss: ExperimentConfig['loss']): ModelInterface {
  const binary = loss === 'binary_crossentropy';
  let units = 1;
  if (!binary) {
    if (y.shape.length >= 2 && y.shape[1] > 1) units = y.shape[1];
    else for (const v of y.values) units = Math.max(units, v + 1);
  }
  if (!binary && units < 2) throw new UserError('compare: data.y holds one class; give at least two classes (one-hot rows or class ids)');
  return { inputShape: x.shape.length > 1 ? x.shape.slice(1) : [1], inputDtype: x.values instanceof Int32Array ? 'int32' : 'float32', outputUnits: units, outputActivation: binary ? 'sigmoid' : 'softmax' };
}

/**
 * Copies of the caller's model for every arm (and auxiliary model), as a config's model.json or
 * module model is copied (src/models/user-model.ts): its weights as they are now, its dropout
 * drawing from the arm's seeded stream. `probe` is what was checked of it (shapes, logits).
 */
function modelCopies(model: tf.LayersModel, probe: BuiltModel, seed: number): WorkloadModel {
  const options = { sampleShape: probe.inputShape, inputDtype: probe.inputDtype, seed, initialWeights: 'file' as const, logits: true, where: 'compare: model' };
  return { kind: 'tf.LayersModel', kernels: kernelsOfLayersModel(model), newModel: (dropoutRng) => userModel(model, { ...options, dropoutRng }) };
}

/** The caller's model as training sees it, looked at through a copy: compare leaves the caller's model as it was. */
function probeModel(model: tf.LayersModel): BuiltModel {
  const copy = cloneLayersModel(model, model.getWeights(), 'compare: model');
  return builtFromLayersModel(copy, 'compare: model');
}

/** A loaded dataset must fit a caller's model: same values per sample, one output per class (one for binary). */
function checkFits(ds: LoadedDataset, model: ModelInterface): void {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const units = ds.labelKind === 'binary' ? 1 : ds.numClasses;
  if (size(ds.inputShape) !== size(model.inputShape) || units !== model.outputUnits) {
    throw new UserError(
      `compare: dataset ${ds.name} has samples of shape [${ds.inputShape.join(', ')}] and ${units} output${units === 1 ? '' : 's'}, ` +
        `but the model takes [${model.inputShape.join(', ')}] and has ${model.outputUnits}`,
    );
  }
}

/** What compare holds of the caller's model until the run ends: a factory's model. */
interface Held {
  owned?: tf.LayersModel;
}

type CheckedOptions = z.infer<typeof CompareSchema>;

/** The run's config with the caller's parts named, and the workload that carries them (none for a config-only run). */
async function prepare(o: CheckedOptions, resolved: ExperimentConfig, arrays: ArrayData | undefined, events: RunEvents, held: Held): Promise<{ cfg: ExperimentConfig; workload?: Workload }> {
  let cfg = resolved;
  const named = (dataset: LoadedDataset, model?: WorkloadModel) => ({
    cfg: { ...cfg, dataset: arrays ? { name: 'arrays', validation: 'test' as const, options: {} } : cfg.dataset },
    workload: { dataset, ...(model ? { model } : {}) },
  });
  if (isCallerModel(o.model)) {
    const model = typeof o.model === 'function' ? (held.owned = checkLayersModel((o.model as () => tf.LayersModel)(), 'compare: the model factory')) : checkLayersModel(o.model, 'compare: model');
    const probe = probeModel(model);
    const iface = modelInterface(probe);
    probe.logits.dispose();
    const copies = modelCopies(model, probe, cfg.seed);
    const loss = lossFor(model, probe, 'compare: model');
    if (o.loss && o.loss !== loss) throw new UserError(`compare: loss ${o.loss} does not fit the model's ${probe.outputActivation} output (trained with ${loss}); leave loss out for a tf.LayersModel`);
    cfg = { ...cfg, loss, model: `${typeof o.model === 'function' ? 'factory: ' : ''}tf.LayersModel ${model.name}` };
    if (arrays) return named(inMemoryDataset(arrayInput(arrays), iface, 'compare'), copies);
    const ds = await loadDataset(cfg.dataset, { seed: cfg.seed, dataDir: o.dataDir, log: (line) => events.log(line) });
    checkFits(ds, iface);
    return named(ds, copies);
  }
  if (!arrays) return { cfg };
  const input = arrayInput(arrays);
  // the config's model is opened by the run, for these arrays
  return named(inMemoryDataset(input, arraysInterface(input.train.x, input.train.y, cfg.loss), 'compare'));
}

function arrayInput(arrays: ArrayData): InMemorySplits {
  return { train: { x: shapedArray(arrays.x, 'compare: data.x'), y: shapedArray(arrays.y, 'compare: data.y') }, validation: validationArrays(arrays.validation) };
}

/**
 * Runs every arm on the same data from the same initial weights and returns the run's summary
 * (the object summary.json holds). Bad options are UserErrors; nothing is printed unless `verbose`.
 */
export async function compare(options: CompareOptions): Promise<RunSummary> {
  const o = checkedOptions(CompareSchema, options, 'compare');
  // as every run does (selectBackend), but before a factory makes the first tensors: no tfjs banner
  tf.enableProdMode();
  const callerModel = isCallerModel(o.model);
  const arrays = isArrayData(o.data) ? (o.data as ArrayData) : undefined;
  const arms = o.arms.map((a) => (typeof a === 'string' ? { name: a, strategy: a } : { ...a, name: a.name ?? a.strategy }));
  if (!callerModel && (o.model === undefined || o.model === null)) throw new UserError('compare: model is required: a tf.LayersModel, a factory () => tf.LayersModel, a zoo model name or {layers: [...]}');
  if (!arrays && (o.data === null || typeof o.data !== 'object')) throw new UserError('compare: data is required: {x, y, validation?} arrays or tensors, or a dataset block such as {name: "synthetic"}');

  // one validation for everything a config holds, with the caller's parts stood in for
  const doc = {
    name: o.name,
    dataset: arrays ? PLACEHOLDER_DATASET : o.data,
    model: callerModel ? PLACEHOLDER_MODEL : o.model,
    optimizer: o.optimizer,
    loss: o.loss ?? 'categorical_crossentropy',
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    arms,
  };
  const resolved = resolveExperiment(doc, 'compare');
  const events = libraryEvents(o.verbose, callbackList(o.callbacks as CompareOptions['callbacks']));

  // a factory's model is freed however the run ends
  const held: Held = {};
  try {
    const { cfg, workload } = await prepare(o, resolved, arrays, events, held);
    if (o.out) {
      // the caller's arrays are not in any file: such a run cannot be resumed, so no checkpoints
      const result = await runCampaign(cfg, { backend: o.backend, out: o.out, dataDir: o.dataDir, events, workload, ...(workload ? { checkpoint: false } : {}) });
      return result.runs[0].summary;
    }
    return (await runExperiment(cfg, { backend: o.backend, outDir: '', files: false, dataDir: o.dataDir, events, workload })).summary;
  } finally {
    held.owned?.dispose();
  }
}
