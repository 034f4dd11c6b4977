/**
 * A caller's own tf.LayersModel as the training loop sees it (a BuiltModel): a model whose output
 * is the logits, and the activation the loss applies on top of them. The logits model shares
 * every weight with the caller's model, so training it trains theirs.
 */
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { kernelsForClasses, type BuiltModel, type OutputActivation } from './build';

type Layer = tf.layers.Layer;
type LayerVariable = Layer['trainableWeights'][number];

const CLASSIFIER_ACTIVATIONS: readonly string[] = ['softmax', 'sigmoid'];

/**
 * The pre-activation of a Dense layer whose activation is softmax or sigmoid, computed from that
 * layer's own kernel and bias: its weights are the Dense layer's (not copies), so the gradient
 * of a loss on these logits updates the caller's Dense layer. It describes itself as the linear
 * Dense layer it computes (class name and config), so the planned native step can run it.
 */
class DenseLogits extends tf.layers.Layer {
  static className = 'Dense';

  constructor(
    private readonly dense: Layer,
    private readonly units: number,
    private readonly useBias: boolean,
  ) {
    super({ name: `${dense.name}_logits` });
  }

  override get trainableWeights(): LayerVariable[] {
    return this.dense.trainableWeights;
  }

  override set trainableWeights(_weights: LayerVariable[]) {
    // the weights are the Dense layer's; nothing of this layer's own to set
  }

  override get nonTrainableWeights(): LayerVariable[] {
    return this.dense.nonTrainableWeights;
  }

  override set nonTrainableWeights(_weights: LayerVariable[]) {
    // as above
  }

  override get trainable(): boolean {
    return this.dense.trainable;
  }

  override set trainable(_trainable: boolean) {
    // follows the Dense layer's
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.dense.getConfig(), name: this.name, activation: 'linear' };
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [kernel, bias] = this.dense.weights.map((w) => w.read());
      const flat = x.reshape([-1, x.shape[x.rank - 1]]);
      let z: tf.Tensor = tf.matMul(flat as tf.Tensor2D, kernel as tf.Tensor2D);
      if (this.useBias) z = tf.add(z, bias);
      return z.reshape([...x.shape.slice(0, -1), this.units]);
    });
  }
}

function describe(layer: Layer): string {
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return `${layer.name} (${layer.getClassName()}${typeof activation === 'string' ? `, activation ${activation}` : ''})`;
}

/**
 * The caller's model as a BuiltModel. Its last layer must carry a softmax or sigmoid: either an
 * Activation layer (the logits are its input) or a Dense layer (the logits are that layer without
 * its activation). Anything else has no logits to compute the gradient-norm bound from.
 */
export function builtFromLayersModel(model: tf.LayersModel, where: string, options: { borrowed?: boolean } = {}): BuiltModel {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new UserError(`${where}: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only models with one input and one output can be trained here`);
  }
  const input = model.inputs[0];
  const sampleShape = input.shape.slice(1);
  if (sampleShape.some((d) => d === null)) {
    throw new UserError(`${where}: the model's input shape [${input.shape.map((d) => d ?? 'null').join(', ')}] has unknown sizes; give its first layer a full inputShape`);
  }
  const output = model.outputs[0];
  const last = output.sourceLayer as Layer;
  const config = last.getConfig() as { activation?: string; units?: number; useBias?: boolean };
  const activation = config.activation ?? '';
  if (!CLASSIFIER_ACTIVATIONS.includes(activation) || !['Activation', 'Dense'].includes(last.getClassName())) {
    throw new UserError(
      `${where}: the model's last layer is ${describe(last)}; it must be a Dense or Activation layer with activation softmax ` +
        '(categorical_crossentropy) or sigmoid (binary_crossentropy), so that the logits before it can be scored',
    );
  }
  let logitsTensor: tf.SymbolicTensor;
  if (last.getClassName() === 'Activation') {
    logitsTensor = output.inputs[0];
  } else {
    logitsTensor = new DenseLogits(last, config.units!, config.useBias !== false).apply(output.inputs[0]) as tf.SymbolicTensor;
  }
  const logits = tf.model({ inputs: input, outputs: logitsTensor, name: `${model.name}_logits` });
  return {
    logits,
    display: model,
    outputActivation: activation as OutputActivation,
    inputShape: sampleShape as number[],
    inputDtype: input.dtype === 'int32' ? 'int32' : 'float32',
    ...(options.borrowed ? { borrowed: true } : {}),
  };
}

/**
 * A new model of the same architecture holding these weights (tensors are copied). Layers of
 * the caller's own classes must be registered with tf.serialization.registerClass to be cloned.
 */
export function cloneLayersModel(model: tf.LayersModel, weights: tf.Tensor[], where: string): tf.LayersModel {
  const cls = model.constructor as unknown as {
    fromConfig(cls: unknown, config: tf.serialization.ConfigDict): tf.LayersModel;
  };
  let clone: tf.LayersModel;
  try {
    clone = cls.fromConfig(model.constructor, model.getConfig() as unknown as tf.serialization.ConfigDict);
  } catch (e) {
    throw new UserError(
      `${where}: cannot make a copy of the model (${(e as Error).message}); ` +
        'register custom layers with tf.serialization.registerClass',
    );
  }
  clone.setWeights(weights);
  return clone;
}

/** The tfjs kernels training this model needs that not every backend has (for the backend choice). */
export function kernelsOfLayersModel(model: tf.LayersModel): string[] {
  return kernelsForClasses(model.layers.map((l) => l.getClassName()));
}
