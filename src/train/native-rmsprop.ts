import * as tf from '@tensorflow/tfjs';
import { RMSPROP_UPDATE_KERNEL, type RmspropUpdateAttrs } from '../engine/kernel-names';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/**
 * tfjs's RMSprop with its update fused into one kernel per weight tensor where the active backend
 * has one (wasm with the native kernels, src/engine/native-kernels.ts): tfjs's own update runs
 * nine elementwise kernels per weight, whose calls and bookkeeping cost more than the MNIST MLP's
 * matrix products. Same formula and float32 roundings, same slots (names, order), so results,
 * getWeights/setWeights and checkpoints are unchanged; elsewhere, and for centered RMSprop, it is
 * tfjs's own update.
 */
export class FusedRMSProp extends tf.RMSPropOptimizer {
  static override get className(): string {
    return 'RMSProp';
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this as unknown as { accumulatedMeanSquares: Slot[]; accumulatedMoments: Slot[]; centered: boolean };
    if (self.centered || !tf.getKernel(RMSPROP_UPDATE_KERNEL, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const attrs: RmspropUpdateAttrs = { decay: this.decay, momentum: this.momentum, learningRate: this.learningRate, epsilon: this.epsilon };
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      self.accumulatedMeanSquares[i] ??= { originalName: `${name}/rms`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedMoments[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      const meanSquare = self.accumulatedMeanSquares[i].variable;
      const moment = self.accumulatedMoments[i].variable;
      tf.tidy(() => {
        const [newValue, newMeanSquare, newMoment] = tf.engine().runKernel(RMSPROP_UPDATE_KERNEL,
          { value, meanSquare, moment, grad: gradient }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        meanSquare.assign(newMeanSquare);
        moment.assign(newMoment);
        value.assign(newValue);
      });
    });
    this.incrementIterations();
  }
}
