import type { LayerSpec, OptimizerConfig } from '../config/schema';
import { loadExperiment } from '../config/load';
import { oneHot } from '../data/one-hot';
import { UserError } from '../errors';
import { buildModel, modelInputShape, type BuiltModel } from '../models/build';
import { getZooModel } from '../models/zoo';
import { Rng } from '../rng';
import type { DataSplit, LabelKind } from '../spec';
import { createOptimizer } from '../train/optimizer';
import { disposeSplit, toDevice, TrainingSession } from '../train/session';

/**
 * The four reference workloads of the engine benchmark, as is-bench trains them: the zoo model,
 * optimizer, batch size and seed of the built-in config, on synthetic data of the dataset's shape (no
 * dataset needed), through the product's TrainingSession; and the matrix products one training step
 * costs, derived from the layer list. Used by scripts/bench-engine.ts and the native-kernel tests.
 */

/** Stand-in data with the shape of a dataset. */
export interface SyntheticData {
  /** pixels: uniform in [0, 1); bag-of-words: 0/1 with 5% ones; word-ids: int32 ids < vocabSize. */
  inputs: 'pixels' | 'bag-of-words' | 'word-ids';
  /** Per-sample shape, as the dataset gives it. */
  inputShape: number[];
  labelKind: LabelKind;
  numClasses: number;
  vocabSize?: number;
}

export interface ReferenceWorkload {
  /** Shown in the bench report, e.g. "MNIST MLP". */
  name: string;
  data: SyntheticData;
  layers: LayerSpec[];
  optimizer: OptimizerConfig;
  batch: number;
  /** Seeds the initial weights and the dropout stream, as an experiment's seed does. */
  seed: number;
}

/** One sgemm of a training step: C (m x n) = op(A) op(B) with inner dimension k. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** What it computes, e.g. "dense 784->512 forward". */
  role: string;
}

/** The built-in configs of the four reference models. */
export type ReferenceConfig = 'mnist-mlp' | 'mnist-cnn' | 'reuters-mlp' | 'imdb-fasttext';

const TITLES: Record<ReferenceConfig, string> = {
  'mnist-mlp': 'MNIST MLP',
  'mnist-cnn': 'MNIST CNN',
  'reuters-mlp': 'Reuters MLP',
  'imdb-fasttext': 'IMDB FastText',
};

/** Synthetic stand-ins of the reference configs' datasets, shaped by the config's (defaulted) dataset options. */
const SYNTHETIC: Record<string, (options: Record<string, unknown>) => SyntheticData> = {
  mnist: () => ({ inputs: 'pixels', inputShape: [28, 28, 1], labelKind: 'categorical', numClasses: 10 }),
  reuters: (o) => ({ inputs: 'bag-of-words', inputShape: [o.numWords as number], labelKind: 'categorical', numClasses: o.topics as number }),
  imdb: (o) => ({ inputs: 'word-ids', inputShape: [o.maxlen as number], labelKind: 'binary', numClasses: 2, vocabSize: o.numWords as number }),
};

/**
 * A built-in reference config as is-bench runs it, on synthetic data of its dataset's shape, or of
 * the shape given (e.g. a smaller vocabulary, which the zoo's embedding follows).
 */
export function referenceWorkload(config: ReferenceConfig, shape?: SyntheticData): ReferenceWorkload {
  const { config: cfg } = loadExperiment(config);
  const synthetic = SYNTHETIC[cfg.dataset.name];
  if (!synthetic || typeof cfg.model !== 'string') {
    throw new UserError(`configs/${config}.yaml: the engine bench needs a zoo model on mnist, reuters or imdb`);
  }
  const data = shape ?? synthetic(cfg.dataset.options);
  const binary = data.labelKind === 'binary';
  const layers = getZooModel(cfg.model).layers({
    numClasses: data.numClasses,
    outputUnits: binary ? 1 : data.numClasses,
    outputActivation: binary ? 'sigmoid' : 'softmax',
    vocabSize: data.vocabSize,
  });
  return { name: TITLES[config], data, layers, optimizer: cfg.optimizer, batch: cfg.batchSize, seed: cfg.seed };
}

function inputDtype(data: SyntheticData): 'float32' | 'int32' {
  return data.inputs === 'word-ids' ? 'int32' : 'float32';
}

/** n synthetic samples: inputs as `data.inputs` says, uniformly random labels. */
function syntheticSplit(data: SyntheticData, n: number, rng: Rng): DataSplit {
  const width = data.inputShape.reduce((a, b) => a * b, 1);
  const x = data.inputs === 'word-ids' ? new Int32Array(n * width) : new Float32Array(n * width);
  for (let i = 0; i < x.length; i++) {
    if (data.inputs === 'pixels') x[i] = rng.next();
    else if (data.inputs === 'bag-of-words') x[i] = rng.next() < 0.05 ? 1 : 0;
    else x[i] = rng.int(data.vocabSize!);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(data.numClasses);
  const y = data.labelKind === 'binary' ? Float32Array.from(labels) : oneHot(labels, data.numClasses);
  return { x, y, labels, n };
}

export interface OpenOptions {
  /** Samples in the synthetic split (default: one batch). */
  samples?: number;
  /** Whether the session runs planned steps where it can (default true; see SessionOptions). */
  planned?: boolean;
  /** Builds the arm's model in place of the layer list (a loaded model.json's ModelSource.build). */
  build?: (seed: number, dropoutRng: Rng) => BuiltModel;
}

/** A workload ready to step: its TrainingSession over synthetic data on the device. */
export interface WorkloadSession {
  session: TrainingSession;
  /** Every sample of the synthetic split, in order (one batch unless `samples` said otherwise). */
  indices: Int32Array;
  dispose(): void;
}

/**
 * Builds the model, optimizer and session as src/train/experiment.ts does for an arm, on the current
 * backend, over synthetic samples drawn from `dataSeed`.
 */
export { inputDtype as workloadInputDtype };

export function openWorkload(workload: ReferenceWorkload, dataSeed: string, options: OpenOptions = {}): WorkloadSession {
  const { data, seed } = workload;
  const dtype = inputDtype(data);
  const samples = options.samples ?? workload.batch;
  const train = toDevice(syntheticSplit(data, samples, new Rng(dataSeed)), dtype);
  const dropoutRng = Rng.forRole(seed, 'dropout');
  const model = options.build
    ? options.build(seed, dropoutRng)
    : buildModel(workload.layers, { inputShape: data.inputShape, inputDtype: dtype, vocabSize: data.vocabSize, seed, dropoutRng });
  const session = new TrainingSession(model, createOptimizer(workload.optimizer), train, { planned: options.planned });
  return {
    session,
    indices: Int32Array.from({ length: samples }, (_, i) => i),
    dispose: () => {
      session.dispose();
      disposeSplit(train);
    },
  };
}

const size = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * The sgemms of one training step of `layers` at batch size `batch`, as tfjs with the native kernels
 * runs them: per dense layer the forward product, the weight gradient and the input gradient; per
 * convolution its im2col products (native/src/kernels.cc), with the filter gradient in place of the
 * weight gradient. No input gradient is computed for a layer with no weights before it (tfjs takes no
 * gradient of the network's input). Embeddings, pooling, flatten, dropout and activations have none.
 */
export function trainingGemms(layers: LayerSpec[], sampleShape: number[], batch: number): GemmShape[] {
  const out: GemmShape[] = [];
  let shape = modelInputShape(layers, sampleShape);
  let weightsBefore = false;
  let convs = 0;
  for (const layer of layers) {
    switch (layer.type) {
      case 'dense': {
        if (shape.length !== 1) throw new Error(`trainingGemms: dense on a [${shape.join(', ')}] input (flatten first)`);
        const [inp, units] = [shape[0], layer.units];
        const name = `dense ${inp}->${units}`;
        out.push({ m: batch, n: units, k: inp, transA: false, transB: false, role: `${name} forward` });
        out.push({ m: inp, n: units, k: batch, transA: true, transB: false, role: `${name} weight gradient` });
        if (weightsBefore) out.push({ m: batch, n: inp, k: units, transA: false, transB: true, role: `${name} input gradient` });
        shape = [units];
        weightsBefore = true;
        break;
      }
      case 'conv2d': {
        if (layer.strides !== 1 || layer.padding !== 'valid') throw new Error('trainingGemms: only stride-1 valid convolutions are modelled');
        const [h, w, depth] = shape;
        const [kh, kw] = size(layer.kernelSize);
        shape = [h - kh + 1, w - kw + 1, layer.filters];
        const rows = batch * shape[0] * shape[1];
        const cols = kh * kw * depth;
        const name = `conv${++convs}`;
        out.push({ m: rows, n: layer.filters, k: cols, transA: false, transB: false, role: `${name} forward` });
        out.push({ m: layer.filters, n: cols, k: rows, transA: true, transB: false, role: `${name} filter gradient` });
        if (weightsBefore) out.push({ m: rows, n: cols, k: layer.filters, transA: false, transB: true, role: `${name} input gradient` });
        weightsBefore = true;
        break;
      }
      case 'maxPooling2d': {
        const [ph, pw] = size(layer.poolSize);
        shape = [Math.floor(shape[0] / ph), Math.floor(shape[1] / pw), shape[2]];
        break;
      }
      case 'flatten':
        shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'embedding':
        shape = [...shape, layer.outputDim];
        weightsBefore = true;
        break;
      case 'globalAveragePooling1d':
        shape = shape.slice(1);
        break;
      case 'dropout':
      case 'activation':
        break;
    }
  }
  return out;
}

/** The sgemms of an inference forward pass over `rows` samples (a scoring pass): the forward products alone. */
export function inferenceGemms(layers: LayerSpec[], sampleShape: number[], rows: number): GemmShape[] {
  return trainingGemms(layers, sampleShape, rows).filter((g) => g.role.endsWith(' forward'));
}

/** FLOPs of a list of products: 2mnk each. */
export function gemmFlops(gemms: GemmShape[]): number {
  return gemms.reduce((s, g) => s + 2 * g.m * g.n * g.k, 0);
}
