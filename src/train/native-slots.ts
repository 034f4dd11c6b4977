import * as tf from '@tensorflow/tfjs';

/** One optimizer slot as tfjs's optimizers keep it (the name is what getWeights saves). */
export interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/**
 * The i-th entry of an optimizer's slot list, created as tfjs's optimizers create it on first use
 * (zeros like the weight, not trainable, named `<weight>/<suffix>`), so getWeights, setWeights and
 * checkpoints see the same slots whichever step created them.
 */
export function ensureSlot(slots: Slot[], i: number, weight: tf.Variable, suffix: string): tf.Variable {
  slots[i] ??= { originalName: `${weight.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(weight).variable(false)) };
  return slots[i].variable;
}
