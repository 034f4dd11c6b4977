import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../config/schema';
import { UserError } from '../errors';
import { Rng } from '../rng';
import { SeededDropout } from './seeded-dropout';

export type OutputActivation = 'softmax' | 'sigmoid' | 'linear';

/** A model whose output is the logits, and the activation the loss applies on top of them. */
export interface BuiltModel {
  /** Outputs the pre-activation of the last layer (the logits), so gnorm is reachable. */
  logits: tf.LayersModel;
  /** The same weights with the final activation layer: what `summary` shows. */
  display: tf.LayersModel;
  outputActivation: OutputActivation;
  /** Per-sample shape the model takes (inputs are reshaped to it). */
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  /**
   * False when the logits are recovered from the model's probabilities rather than taken before
   * its activation: the gradient-norm bound then is not the reference's and is refused.
   */
  gnormBound?: boolean;
  /**
   * The caller's own model (a library `fit`): trained in place, with the optimizer the caller
   * gave; the training session disposes neither.
   */
  borrowed?: boolean;
}

export interface BuildOptions {
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  vocabSize?: number;
  /** Seeds the weight initialisers: equal seeds give equal initial weights. */
  seed: number;
  /** The arm's dropout stream. */
  dropoutRng: Rng;
}

/** Splits a final softmax/sigmoid off the last layer, so the logits have a layer of their own. */
export function splitFinalActivation(specs: LayerSpec[]): { body: LayerSpec[]; activation: OutputActivation } {
  const last = specs[specs.length - 1];
  if (last.type === 'activation' && (last.activation === 'softmax' || last.activation === 'sigmoid')) {
    return { body: specs.slice(0, -1), activation: last.activation };
  }
  if (last.type === 'dense' && (last.activation === 'softmax' || last.activation === 'sigmoid')) {
    return { body: [...specs.slice(0, -1), { ...last, activation: 'linear' }], activation: last.activation };
  }
  return { body: specs, activation: 'linear' };
}

function pair(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

/** The per-sample shape the model takes: like the Keras MLP examples, a dense first layer sees the sample flattened. */
export function modelInputShape(specs: LayerSpec[], sampleShape: number[]): number[] {
  const firstWeighted = specs.find((s) => s.type !== 'dropout');
  return firstWeighted?.type === 'dense' && sampleShape.length > 1 ? [sampleShape.reduce((a, b) => a * b, 1)] : sampleShape;
}

/** Builds a Keras-style model from a layer list, with Keras' default initialisers, seeded. */
export function buildModel(specs: LayerSpec[], opts: BuildOptions): BuiltModel {
  const { body, activation } = splitFinalActivation(specs);
  const initRng = Rng.forRole(opts.seed, 'init');
  const inputShape = modelInputShape(specs, opts.inputShape);
  const counters = new Map<string, number>();
  const name = (kind: string) => {
    const k = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, k);
    return `${kind}_${k}`;
  };
  const glorot = () => tf.initializers.glorotUniform({ seed: initRng.seed() });
  const input = tf.input({ shape: inputShape, dtype: opts.inputDtype, name: 'input' });
  let x: tf.SymbolicTensor = input;
  for (const s of body) {
    let layer: tf.layers.Layer;
    switch (s.type) {
      case 'dense':
        layer = tf.layers.dense({ units: s.units, activation: s.activation, kernelInitializer: glorot(), name: name('dense') });
        break;
      case 'conv2d':
        layer = tf.layers.conv2d({
          filters: s.filters,
          kernelSize: pair(s.kernelSize),
          strides: s.strides,
          padding: s.padding,
          activation: s.activation,
          kernelInitializer: glorot(),
          name: name('conv2d'),
        });
        break;
      case 'maxPooling2d':
        layer = tf.layers.maxPooling2d({ poolSize: pair(s.poolSize), name: name('max_pooling2d') });
        break;
      case 'flatten':
        layer = tf.layers.flatten({ name: name('flatten') });
        break;
      case 'dropout':
        layer = new SeededDropout({ rate: s.rate, rng: opts.dropoutRng, name: name('dropout') });
        break;
      case 'activation':
        layer = tf.layers.activation({ activation: s.activation, name: name('activation') });
        break;
      case 'embedding': {
        const inputDim = s.inputDim ?? opts.vocabSize;
        if (!inputDim) throw new UserError('model: an embedding layer needs inputDim (the dataset has no vocabulary size)');
        layer = tf.layers.embedding({
          inputDim,
          outputDim: s.outputDim,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: initRng.seed() }),
          name: name('embedding'),
        });
        break;
      }
      case 'globalAveragePooling1d':
        layer = tf.layers.globalAveragePooling1d({ name: name('global_average_pooling1d') });
        break;
      case 'batchNormalization':
        layer = tf.layers.batchNormalization({ momentum: s.momentum, epsilon: s.epsilon, name: name('batch_normalization') });
        break;
      case 'layerNormalization':
        layer = tf.layers.layerNormalization({ epsilon: s.epsilon, name: name('layer_normalization') });
        break;
      case 'conv1d':
        layer = tf.layers.conv1d({
          filters: s.filters,
          kernelSize: s.kernelSize,
          strides: s.strides,
          padding: s.padding,
          activation: s.activation,
          kernelInitializer: glorot(),
          name: name('conv1d'),
        });
        break;
      case 'maxPooling1d':
        layer = tf.layers.maxPooling1d({ poolSize: s.poolSize, name: name('max_pooling1d') });
        break;
      case 'averagePooling2d':
        layer = tf.layers.averagePooling2d({ poolSize: pair(s.poolSize), name: name('average_pooling2d') });
        break;
      case 'globalAveragePooling2d':
        layer = tf.layers.globalAveragePooling2d({ name: name('global_average_pooling2d') });
        break;
      case 'globalMaxPooling1d':
        layer = tf.layers.globalMaxPooling1d({ name: name('global_max_pooling1d') });
        break;
      case 'globalMaxPooling2d':
        layer = tf.layers.globalMaxPooling2d({ name: name('global_max_pooling2d') });
        break;
      case 'lstm':
      case 'gru': {
        // Keras' defaults: glorot kernel, orthogonal recurrent kernel, both seeded
        const args = {
          units: s.units,
          returnSequences: s.returnSequences,
          kernelInitializer: glorot(),
          recurrentInitializer: tf.initializers.orthogonal({ seed: initRng.seed() }),
          name: name(s.type),
        };
        layer = s.type === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
        break;
      }
    }
    try {
      x = layer.apply(x) as tf.SymbolicTensor;
    } catch (e) {
      throw new UserError(`model: layer ${layer.name} (${s.type}) cannot take input of shape [${x.shape.join(', ')}]: ${(e as Error).message}`);
    }
  }
  const logits = tf.model({ inputs: input, outputs: x, name: 'logits' });
  const shown = activation === 'linear' ? x : (tf.layers.activation({ activation, name: name('activation') }).apply(x) as tf.SymbolicTensor);
  const display = tf.model({ inputs: input, outputs: shown, name: 'model' });
  return { logits, display, outputActivation: activation, inputShape, inputDtype: opts.inputDtype };
}

/** Keras-style model summary lines: layer (type), output shape, params, totals. */
export function modelSummary(model: BuiltModel): string[] {
  const pad = (text: string, width: number) => (text.length >= width ? text + ' ' : text.padEnd(width));
  const rule = (c: string) => c.repeat(65);
  const lines = [rule('_'), pad('Layer (type)', 29) + pad('Output Shape', 26) + 'Param #', rule('=')];
  const layers = model.display.layers.filter((l) => l.getClassName() !== 'InputLayer');
  layers.forEach((layer, i) => {
    const shape = `(${(layer.outputShape as (number | null)[]).map((d) => (d === null ? 'None' : String(d))).join(', ')})`;
    lines.push(pad(`${layer.name} (${layer.getClassName()})`, 29) + pad(shape, 26) + layer.countParams());
    lines.push(i === layers.length - 1 ? rule('=') : rule('_'));
  });
  const total = layers.reduce((a, l) => a + l.countParams(), 0);
  const trainable = model.display.trainableWeights.reduce((a, w) => a + w.shape.reduce<number>((x, y) => x * (y ?? 1), 1), 0);
  lines.push(`Total params: ${total.toLocaleString('en-US')}`);
  lines.push(`Trainable params: ${trainable.toLocaleString('en-US')}`);
  lines.push(`Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`);
  lines.push(rule('_'));
  return lines;
}

/** The tfjs kernels that training a layer of each class needs and not every backend has. */
const KERNELS_BY_CLASS: Record<string, string[]> = {
  Conv2D: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  Conv1D: ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  MaxPooling2D: ['MaxPool', 'MaxPoolGrad'],
  MaxPooling1D: ['MaxPool', 'MaxPoolGrad'],
  AveragePooling2D: ['AvgPool', 'AvgPoolGrad'],
  Embedding: ['GatherV2', 'UnsortedSegmentSum'],
};

const CLASS_OF_SPEC: Partial<Record<LayerSpec['type'], string>> = {
  conv2d: 'Conv2D',
  conv1d: 'Conv1D',
  maxPooling2d: 'MaxPooling2D',
  maxPooling1d: 'MaxPooling1D',
  averagePooling2d: 'AveragePooling2D',
  embedding: 'Embedding',
};

/** The tfjs kernels training layers of these classes needs that not every backend has. */
export function kernelsForClasses(classNames: string[]): string[] {
  return [...new Set(classNames.flatMap((c) => KERNELS_BY_CLASS[c] ?? []))];
}

/** The tfjs kernels a model's training needs that not every backend has. */
export function kernelsNeeded(specs: LayerSpec[]): string[] {
  return kernelsForClasses(specs.map((s) => CLASS_OF_SPEC[s.type] ?? ''));
}
