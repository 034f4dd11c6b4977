import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { Rng } from '../rng';
import type { BuiltModel, OutputActivation } from './build';
import { ProbabilityLogits } from './probability-logits';
import { freshLayer, rebuildGraph, singleInput } from './rebuild';
import { SeededDropout } from './seeded-dropout';

/**
 * An arm's copy of a model the user gave (a loaded model.json, a factory's model), made into
 * what a layer-list model is: a model that outputs the logits, the same with its final
 * activation for display, dropout drawing from the arm's seeded stream.
 */

export interface UserModelOptions {
  /** The dataset's per-sample shape and dtype (the model's input must hold as many values). */
  sampleShape: number[];
  inputDtype: 'float32' | 'int32';
  seed: number;
  dropoutRng: Rng;
  /** `file`: the model's own weights; `seeded`: every initialiser re-run from `seed`. */
  initialWeights: 'file' | 'seeded';
  /**
   * Classification losses take logits: a final softmax/sigmoid is split off (or, when it cannot
   * be, undone from the probabilities). Regression losses take the output as it is.
   */
  logits: boolean;
  /** Names the model in messages (the file). */
  where: string;
}

const PROBABILITY: readonly string[] = ['softmax', 'sigmoid'];

/** Layers that only move values around: a softmax/sigmoid before them is still the output's. */
const RESHAPING: readonly string[] = ['Reshape', 'Flatten'];

/**
 * The output's activation when it is a softmax/sigmoid (looking back through reshapes), and
 * whether it can be split off exactly: only from a Dense, Activation or Softmax last layer.
 */
export function finalActivation(output: tf.layers.Layer): { activation: OutputActivation; splittable: boolean } {
  let layer = output;
  while (RESHAPING.includes(layer.getClassName())) {
    const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1) break;
    layer = nodes[0].inboundLayers[0];
  }
  const config = layer.getConfig() as Record<string, unknown>;
  const cls = layer.getClassName();
  const last = layer === output;
  if (cls === 'Softmax') {
    const rank = (layer.outputShape as (number | null)[]).length;
    return { activation: 'softmax', splittable: last && (config.axis === -1 || config.axis === rank - 1) };
  }
  const act = typeof config.activation === 'string' ? config.activation : 'linear';
  if (!PROBABILITY.includes(act)) return { activation: 'linear', splittable: true };
  return { activation: act as OutputActivation, splittable: last && (cls === 'Dense' || cls === 'Activation') };
}

/** The model's per-sample input shape with unknown sizes taken from the dataset's sample shape. */
function inputShapeFor(model: tf.LayersModel, sampleShape: number[], where: string): number[] {
  const declared = singleInput(model, where).shape.slice(1);
  const shape = declared.map((d, i) => d ?? (declared.length === sampleShape.length ? sampleShape[i] : NaN));
  const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isFinite(d)) || count(shape) !== count(sampleShape)) {
    throw new UserError(
      `${where}: the model takes inputs of shape [${declared.map((d) => d ?? 'None').join(', ')}], but the dataset's samples have shape [${sampleShape.join(', ')}] (${count(sampleShape)} values); give the model an input of that size`,
    );
  }
  return shape;
}

/** Sets every seedable initialiser in a layer config to a seed of `rng` (the config is a copy). */
function seedInitialisers(config: tf.serialization.ConfigDict, rng: Rng): tf.serialization.ConfigDict {
  for (const [key, value] of Object.entries(config)) {
    if (!key.endsWith('Initializer') || value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const init = value as { className?: string; config?: Record<string, unknown> };
    if (init.config && 'seed' in init.config) config[key] = { ...init, config: { ...init.config, seed: rng.seed() } } as tf.serialization.ConfigDictValue;
  }
  return config;
}

/** An arm's model from the user's `source` model (which is left as it was). */
export function userModel(source: tf.LayersModel, opts: UserModelOptions): BuiltModel {
  const inputShape = inputShapeFor(source, opts.sampleShape, opts.where);
  const initRng = Rng.forRole(opts.seed, 'init');
  const seeded = opts.initialWeights === 'seeded';
  const editConfig = seeded ? (c: tf.serialization.ConfigDict) => seedInitialisers(c, initRng) : undefined;
  const outputLayer = source.outputs[0].sourceLayer as tf.layers.Layer;
  const { activation, splittable } = opts.logits ? finalActivation(outputLayer) : { activation: 'linear' as const, splittable: true };
  let displayLayer: tf.layers.Layer | undefined;
  const { input, output, finalApplied } = rebuildGraph(source, opts.where, {
    inputShape,
    inputDtype: opts.inputDtype,
    copyWeights: !seeded,
    editConfig,
    replace: (layer) => {
      if (layer.getClassName() !== 'Dropout') return undefined;
      const config = layer.getConfig() as { rate: number; noiseShape?: unknown };
      // a noise shape (the same mask across some axes) is tfjs's own Dropout's: keep it
      if (config.noiseShape != null) return undefined;
      return new SeededDropout({ rate: config.rate, rng: opts.dropoutRng, name: layer.name });
    },
    final: (layer, x) => {
      if (activation === 'linear' || !splittable) return undefined;
      displayLayer = tf.layers.activation({ activation, name: `${layer.name}_activation` });
      if (layer.getClassName() !== 'Dense') return x; // an Activation/Softmax layer: its input is the logits
      const linear = freshLayer(layer, (c) => ({ ...(editConfig ? editConfig(c) : c), activation: 'linear' }));
      const z = linear.apply(x) as tf.SymbolicTensor;
      if (!seeded) linear.setWeights(layer.getWeights());
      return z;
    },
  });
  if (opts.logits && activation !== 'linear' && !finalApplied) {
    // the probabilities are all there is: logits recovered from them (losses exact, no gnorm bound)
    const z = new ProbabilityLogits({ activation, name: 'probability_logits' }).apply(output) as tf.SymbolicTensor;
    const display = tf.model({ inputs: input, outputs: output, name: 'model' });
    const logits = tf.model({ inputs: input, outputs: z, name: 'logits' });
    return { logits, display, outputActivation: activation, inputShape, inputDtype: opts.inputDtype, gnormBound: false };
  }
  const logits = tf.model({ inputs: input, outputs: output, name: 'logits' });
  const shown = displayLayer ? (displayLayer.apply(output) as tf.SymbolicTensor) : output;
  const display = tf.model({ inputs: input, outputs: shown, name: 'model' });
  return { logits, display, outputActivation: activation, inputShape, inputDtype: opts.inputDtype };
}
