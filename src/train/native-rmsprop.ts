import * as tf from '@tensorflow/tfjs';
import { RMSPROP_UPDATE_KERNEL, type RmspropUpdateAttrs } from '../engine/kernel-names';
import { ensureSlot, type Slot } from './native-slots';
import type { PlannedUpdate } from './native-step';

/**
 * tfjs's RMSprop with its update fused into one kernel per weight tensor where the active backend
 * has one (wasm with the native kernels, src/engine/native-kernels.ts): tfjs's own update runs
 * nine elementwise kernels per weight, whose calls and bookkeeping cost more than the MNIST MLP's
 * matrix products. Same formula and float32 roundings, same slots (names, order), so results,
 * getWeights/setWeights and checkpoints are unchanged; elsewhere, and for centered RMSprop, it is
 * tfjs's own update. A planned step (src/train/native-step.ts) runs the same update natively.
 */
export class FusedRMSProp extends tf.RMSPropOptimizer {
  static override get className(): string {
    return 'RMSProp';
  }

  private get slotLists(): { accumulatedMeanSquares: Slot[]; accumulatedMoments: Slot[]; centered: boolean } {
    return this as unknown as { accumulatedMeanSquares: Slot[]; accumulatedMoments: Slot[]; centered: boolean };
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this.slotLists;
    if (self.centered || !tf.getKernel(RMSPROP_UPDATE_KERNEL, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const attrs: RmspropUpdateAttrs = { decay: this.decay, momentum: this.momentum, learningRate: this.learningRate, epsilon: this.epsilon };
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const meanSquare = ensureSlot(self.accumulatedMeanSquares, i, value, 'rms');
      const moment = ensureSlot(self.accumulatedMoments, i, value, 'momentum');
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
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

  /** The update as a planned step runs it (uncentered only): scalars, slots (mean square, moment). */
  plannedUpdate(): PlannedUpdate | undefined {
    const self = this.slotLists;
    if (self.centered) return undefined;
    return {
      spec: { kind: 'rmsprop', learningRate: this.learningRate, decay: this.decay, momentum: this.momentum, epsilon: this.epsilon },
      slots: (weights) => weights.map((w, i) => [ensureSlot(self.accumulatedMeanSquares, i, w, 'rms'), ensureSlot(self.accumulatedMoments, i, w, 'momentum')]),
      finish: () => this.incrementIterations(),
    };
  }
}
