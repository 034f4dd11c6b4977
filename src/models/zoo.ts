import { UserError } from '../errors';
import type { LayerSpec } from '../config/schema';

/** What a zoo builder may depend on: facts of the dataset. */
export interface ModelFacts {
  numClasses: number;
  /** Width of the output layer: numClasses, or 1 for binary labels. */
  outputUnits: number;
  outputActivation: 'softmax' | 'sigmoid';
  vocabSize?: number;
}

export interface ZooModel {
  name: string;
  description: string;
  layers(facts: ModelFacts): LayerSpec[];
}

const out = (f: ModelFacts): LayerSpec => ({ type: 'dense', units: f.outputUnits, activation: f.outputActivation });

/** The architectures of the Keras examples the reference page runs, plus a tiny one for demos. */
const ZOO: ZooModel[] = [
  {
    name: 'mnist-mlp',
    description: 'Keras mnist_mlp: Dense(512, relu), Dropout(0.2), Dense(512, relu), Dropout(0.2), Dense(classes, softmax)',
    layers: (f) => [
      { type: 'dense', units: 512, activation: 'relu' },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 512, activation: 'relu' },
      { type: 'dropout', rate: 0.2 },
      out(f),
    ],
  },
  {
    name: 'mnist-cnn',
    description:
      'Keras mnist_cnn: Conv2D(32, 3x3, relu), Conv2D(64, 3x3, relu), MaxPooling2D(2x2), Dropout(0.25), Flatten, Dense(128, relu), Dropout(0.5), Dense(classes, softmax)',
    layers: (f) => [
      { type: 'conv2d', filters: 32, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'conv2d', filters: 64, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'flatten' },
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
      out(f),
    ],
  },
  {
    name: 'reuters-mlp',
    description: 'Keras reuters_mlp: Dense(512), Activation(relu), Dropout(0.5), Dense(classes), Activation(softmax)',
    layers: (f) => [
      { type: 'dense', units: 512, activation: 'linear' },
      { type: 'activation', activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
      { type: 'dense', units: f.outputUnits, activation: 'linear' },
      { type: 'activation', activation: f.outputActivation },
    ],
  },
  {
    name: 'imdb-fasttext',
    description: 'Keras imdb_fasttext: Embedding(vocab, 50), GlobalAveragePooling1D, Dense(1, sigmoid)',
    layers: (f) => [
      { type: 'embedding', outputDim: 50, inputDim: f.vocabSize },
      { type: 'globalAveragePooling1d' },
      out(f),
    ],
  },
  {
    name: 'cifar10-cnn',
    description:
      'Keras cifar10_cnn: 2x[Conv2D(32|64, 3x3, same/valid, relu) x2, MaxPooling2D, Dropout(0.25)], Flatten, Dense(512, relu), Dropout(0.5), Dense(classes, softmax)',
    layers: (f) => [
      { type: 'conv2d', filters: 32, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 32, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'conv2d', filters: 64, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' },
      { type: 'conv2d', filters: 64, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { type: 'maxPooling2d', poolSize: 2 },
      { type: 'dropout', rate: 0.25 },
      { type: 'flatten' },
      { type: 'dense', units: 512, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
      out(f),
    ],
  },
  {
    name: 'tiny-mlp',
    description: 'a small MLP for demos and tests: Dense(32, relu), Dense(classes, softmax)',
    layers: (f) => [{ type: 'dense', units: 32, activation: 'relu' }, out(f)],
  },
];

export function modelNames(): string[] {
  return ZOO.map((m) => m.name);
}

export function listModels(): { name: string; description: string }[] {
  return ZOO.map(({ name, description }) => ({ name, description }));
}

export function getZooModel(name: string): ZooModel {
  const m = ZOO.find((z) => z.name === name);
  if (!m) throw new UserError(`unknown model "${name}" (zoo models: ${modelNames().join(', ')}; or give a layer list)`);
  return m;
}
