import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';

/**
 * Rebuilds a tfjs Layers model (sequential or functional) layer by layer from each layer's own
 * config, into fresh layers and variables: an arm's private copy of a model the user gave. The
 * copy can differ from the original where the caller asks (a replacement for some layers, the
 * output taken before a final activation), and nothing else changes: every other layer is made
 * from the same config and gets the same weights.
 */

export interface RebuildOptions {
  /** The per-sample input shape and dtype of the new input layer. */
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  /** A layer to use in place of a fresh copy of `layer` (or undefined for the copy). */
  replace?: (layer: tf.layers.Layer) => tf.layers.Layer | undefined;
  /** Whether each copy takes the original's weights (default true; false: its initialisers' own). */
  copyWeights?: boolean;
  /** Rewrites a layer's config before the fresh copy is made (seeds of its initialisers). */
  editConfig?: (config: tf.serialization.ConfigDict) => tf.serialization.ConfigDict;
  /** The layer whose output is the model's output, applied to its inputs by `final`. */
  final?: (layer: tf.layers.Layer, inputs: tf.SymbolicTensor) => tf.SymbolicTensor | undefined;
}

interface InboundNode {
  inboundLayers: tf.layers.Layer[];
  nodeIndices: number[];
  tensorIndices: number[];
}

const inboundNodes = (layer: tf.layers.Layer) => (layer as unknown as { inboundNodes: InboundNode[] }).inboundNodes;

/** A fresh layer of the same class and config (registered classes only). */
export function freshLayer(layer: tf.layers.Layer, edit?: RebuildOptions['editConfig']): tf.layers.Layer {
  const className = layer.getClassName();
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) {
    throw new UserError(
      `model: layer ${layer.name} is of class ${className}, which is not registered with tf.serialization.registerClass; register it with the tf the factory receives`,
    );
  }
  const config = edit ? edit({ ...layer.getConfig() }) : layer.getConfig();
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as tf.layers.Layer;
}

/** The model's single input's per-sample shape, or a UserError naming `where`. */
export function singleInput(model: tf.LayersModel, where: string): tf.SymbolicTensor {
  if (model.inputs.length !== 1) throw new UserError(`${where}: the model has ${model.inputs.length} inputs; is-bench feeds one input tensor per sample`);
  if (model.outputs.length !== 1) throw new UserError(`${where}: the model has ${model.outputs.length} outputs; is-bench trains one output`);
  return model.inputs[0];
}

/**
 * The model rebuilt on a new input: `outputs` are the new tensors of the original's output (or
 * what `final` made of the output layer's inputs). Shared layers (one layer applied twice) are
 * refused: their copy would need one weight set for several nodes, which the walk does not track.
 */
export function rebuildGraph(model: tf.LayersModel, where: string, options: RebuildOptions): { input: tf.SymbolicTensor; output: tf.SymbolicTensor; finalApplied: boolean } {
  const source = singleInput(model, where);
  const input = tf.input({ shape: options.inputShape, dtype: options.inputDtype, name: source.sourceLayer.name });
  const produced = new Map<tf.layers.Layer, tf.SymbolicTensor[]>([[source.sourceLayer as tf.layers.Layer, [input]]]);
  const outputLayer = model.outputs[0].sourceLayer as tf.layers.Layer;
  let finalApplied = false;
  for (const layer of model.layers) {
    if (produced.has(layer) || layer.getClassName() === 'InputLayer') continue;
    const nodes = inboundNodes(layer);
    if (nodes.length !== 1) throw new UserError(`${where}: layer ${layer.name} is applied ${nodes.length} times (a shared layer); is-bench copies models whose layers are each applied once`);
    const node = nodes[0];
    const inputs = node.inboundLayers.map((l, j) => {
      const made = produced.get(l);
      if (!made) throw new UserError(`${where}: layer ${layer.name} takes the output of ${l.name}, which is not part of the model`);
      return made[node.tensorIndices[j]];
    });
    const arg = inputs.length === 1 ? inputs[0] : inputs;
    if (layer === outputLayer && options.final && inputs.length === 1) {
      const out = options.final(layer, inputs[0]);
      if (out) {
        produced.set(layer, [out]);
        finalApplied = true;
        continue;
      }
    }
    const fresh = options.replace?.(layer) ?? freshLayer(layer, options.editConfig);
    let out: tf.SymbolicTensor | tf.SymbolicTensor[];
    try {
      out = fresh.apply(arg) as tf.SymbolicTensor | tf.SymbolicTensor[];
    } catch (e) {
      throw new UserError(`${where}: layer ${layer.name} (${layer.getClassName()}) cannot take the dataset's input of shape [${options.inputShape.join(', ')}]: ${(e as Error).message}`);
    }
    if (options.copyWeights !== false && layer.weights.length) fresh.setWeights(layer.getWeights());
    produced.set(layer, Array.isArray(out) ? out : [out]);
  }
  const made = produced.get(outputLayer);
  if (!made) throw new UserError(`${where}: the model's output layer ${outputLayer.name} was not reached from its input`);
  return { input, output: made[model.outputs[0].outputTensorIndex ?? 0], finalApplied };
}
