/**
 * A caller's own tf.LayersModel, checked for what training it needs: that it is a model, the
 * loss its output takes, and the shapes its data must have.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../config/schema';
import type { ModelInterface } from '../data/in-memory';
import { UserError } from '../errors';
import type { BuiltModel } from '../models/build';

/** A tf.LayersModel, also from another copy of tfjs (instanceof would miss it). */
export function checkLayersModel(model: unknown, where: string): tf.LayersModel {
  const m = model as Partial<tf.LayersModel> | null;
  const looksLike = m !== null && typeof m === 'object' && Array.isArray(m.inputs) && Array.isArray(m.outputs) && typeof m.getWeights === 'function';
  if (!looksLike) throw new UserError(`${where}: expected a tf.LayersModel (tf.sequential() or tf.model()), got ${model === null ? 'null' : typeof model}`);
  return model as tf.LayersModel;
}

/** What the loss will be: fixed by the output activation; a compiled loss must agree with it. */
export function lossFor(model: tf.LayersModel, built: BuiltModel, where: string): ExperimentConfig['loss'] {
  const loss: ExperimentConfig['loss'] = built.outputActivation === 'sigmoid' ? 'binary_crossentropy' : 'categorical_crossentropy';
  const compiled = (model as { loss?: unknown }).loss;
  if (compiled === undefined) return loss;
  const name = typeof compiled === 'string' ? compiled.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() : undefined;
  const fits = name === loss || (loss === 'categorical_crossentropy' && name === 'sparse_categorical_crossentropy');
  if (!fits) {
    const shown = typeof compiled === 'string' ? `"${compiled}"` : 'a custom loss';
    throw new UserError(`${where}: the model was compiled with loss ${shown}, but its ${built.outputActivation} output is trained with ${loss}; compile it with ${loss} or leave it uncompiled`);
  }
  return loss;
}

/** The model's output width and the rest of what the data must fit. */
export function modelInterface(built: BuiltModel): ModelInterface {
  const units = built.logits.outputs[0].shape[built.logits.outputs[0].shape.length - 1] ?? 0;
  return { inputShape: built.inputShape, inputDtype: built.inputDtype, outputUnits: units, outputActivation: built.outputActivation as 'softmax' | 'sigmoid' };
}
