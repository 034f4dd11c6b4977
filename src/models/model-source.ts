import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ModelConfig } from '../config/schema';
import { Rng } from '../rng';
import { buildModel, kernelsForClasses, kernelsNeeded, type BuiltModel } from './build';
import { loadModelFile, modelFileClassNames } from './model-file';
import { createModelFromModule } from './model-module';
import { userModel } from './user-model';
import { getZooModel } from './zoo';
import { UserError } from '../errors';

/**
 * Where an experiment's model comes from, opened once per run: a zoo name or a layer list
 * (built per arm from the seed), a model.json (read once) or a module's factory (called once).
 * Every arm's model is built from it alike, so every arm starts from the same weights.
 */

export type ModelSourceKind = 'zoo' | 'layers' | 'path' | 'module';

export interface ModelSource {
  kind: ModelSourceKind;
  /** Kernels the model's training needs that not every backend has (for the backend choice). */
  kernels: string[];
  /** A fresh model for one arm: equal seeds give equal weights. */
  build(seed: number, dropoutRng: Rng): BuiltModel;
  dispose(): void;
}

/** What the model source needs to know of the dataset and the loss. */
export interface ModelFacts {
  sampleShape: number[];
  inputDtype: 'float32' | 'int32';
  vocabSize?: number;
  numClasses: number;
  /** Output width: numClasses, 1 for binary labels, the target width for regression. */
  outputUnits: number;
  /** A zoo model's final activation (softmax, sigmoid; linear for regression). */
  outputActivation: 'softmax' | 'sigmoid' | 'linear';
  /** Whether the loss takes logits (classification) rather than the output as it is. */
  logits: boolean;
  seed: number;
}

export function modelSourceKind(model: ModelConfig): ModelSourceKind {
  if (typeof model === 'string') return 'zoo';
  if ('layers' in model) return 'layers';
  return 'path' in model ? 'path' : 'module';
}

function fromLayers(kind: ModelSourceKind, layers: LayerSpec[], facts: ModelFacts): ModelSource {
  return {
    kind,
    kernels: kernelsNeeded(layers),
    build: (seed, dropoutRng) => buildModel(layers, { inputShape: facts.sampleShape, inputDtype: facts.inputDtype, vocabSize: facts.vocabSize, seed, dropoutRng }),
    dispose: () => undefined,
  };
}

function fromModel(kind: ModelSourceKind, source: tf.LayersModel, where: string, initialWeights: 'file' | 'seeded', facts: ModelFacts): ModelSource {
  const build = (seed: number, dropoutRng: Rng) =>
    userModel(source, { sampleShape: facts.sampleShape, inputDtype: facts.inputDtype, seed, dropoutRng, initialWeights, logits: facts.logits, where });
  // built once here, so a model that does not fit the data fails before anything is trained
  const probe = build(facts.seed, new Rng('probe'));
  const width = probe.logits.outputs[0].shape.slice(1);
  probe.logits.dispose();
  if (width.length !== 1 || width[0] !== facts.outputUnits) {
    source.dispose();
    throw new UserError(
      `${where}: the model's output has shape [${width.map((d) => d ?? 'None').join(', ')}] per sample; the dataset needs ${facts.outputUnits} output${facts.outputUnits === 1 ? '' : 's'} (classes, 1 for binary labels, or the regression target's width)`,
    );
  }
  return { kind, kernels: kernelsForClasses(source.layers.map((l) => l.getClassName())), build, dispose: () => source.dispose() };
}

/** A zoo model's or a layer list's layers for this dataset (undefined for a file or a module). */
function layerList(model: ModelConfig, facts: ModelFacts): LayerSpec[] | undefined {
  if (typeof model === 'string') {
    const activation = facts.outputActivation === 'linear' ? 'softmax' : facts.outputActivation;
    const layers = getZooModel(model).layers({ numClasses: facts.numClasses, outputUnits: facts.outputUnits, outputActivation: activation, vocabSize: facts.vocabSize });
    return facts.outputActivation === 'linear' ? linearOutput(layers) : layers;
  }
  return 'layers' in model ? model.layers : undefined;
}

/**
 * The kernels the model's training needs that not every backend has, known before a backend is
 * chosen and before any tensor exists: from the layer list, or the classes a model.json names.
 * A module's are known only once its factory ran (ModelSource.kernels).
 */
export function modelKernels(model: ModelConfig, facts: ModelFacts): string[] {
  const layers = layerList(model, facts);
  if (layers) return kernelsNeeded(layers);
  return typeof model === 'object' && 'path' in model ? kernelsForClasses(modelFileClassNames(model.path)) : [];
}

/** Opens the configured model on the current backend: reads the file or calls the factory (once). */
export async function openModelSource(model: ModelConfig, facts: ModelFacts): Promise<ModelSource> {
  const kind = modelSourceKind(model);
  const layers = layerList(model, facts);
  if (layers) return fromLayers(kind, layers, facts);
  if (typeof model === 'string' || 'layers' in model) throw new Error('unreachable: a layer list has layers');
  if ('path' in model) return fromModel(kind, await loadModelFile(model.path), model.path, model.initialWeights, facts);
  const made = await createModelFromModule(model.module, { inputShape: facts.sampleShape, numClasses: facts.numClasses, outputUnits: facts.outputUnits, seed: facts.seed });
  return fromModel(kind, made, model.module, 'file', facts);
}

/** A zoo architecture for regression: its final softmax/sigmoid dropped (the output is the prediction). */
function linearOutput(layers: LayerSpec[]): LayerSpec[] {
  const last = layers[layers.length - 1];
  if (last.type === 'activation') return layers.slice(0, -1);
  if (last.type === 'dense') return [...layers.slice(0, -1), { ...last, activation: 'linear' }];
  return layers;
}
