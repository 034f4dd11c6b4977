import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, type AdamUpdateAttrs } from '../engine/kernel-names';
import { ensureSlot, type Slot } from './native-slots';
import type { PlannedUpdate } from './native-step';

interface AdamState {
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/**
 * tfjs's Adam with its update fused into one kernel per weight tensor where the active backend has
 * one (wasm with the native kernels), as FusedRMSProp does for RMSprop: same formula and float32
 * roundings, same slots and accumulated powers, so results, getWeights/setWeights and checkpoints
 * are unchanged; elsewhere it is tfjs's own update. A planned step runs the same update natively.
 */
export class FusedAdam extends tf.AdamOptimizer {
  static override get className(): string {
    return 'Adam';
  }

  private get state(): AdamState {
    return this as unknown as AdamState;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this.state;
    const attrs: AdamUpdateAttrs = { beta1: this.beta1, beta2: this.beta2, learningRate: this.learningRate, epsilon: this.epsilon };
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        const first = ensureSlot(self.accumulatedFirstMoment, i, value, 'm');
        const second = ensureSlot(self.accumulatedSecondMoment, i, value, 'v');
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
        if (gradient == null) return;
        const [newValue, newFirst, newSecond] = tf.engine().runKernel(ADAM_UPDATE_KERNEL,
          { value, first, second, grad: gradient, accBeta1: self.accBeta1, accBeta2: self.accBeta2 },
          attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        first.assign(newFirst);
        second.assign(newSecond);
        value.assign(newValue);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }

  /** The update as a planned step runs it: scalars, slots (first, second moment), the accumulated powers. */
  plannedUpdate(): PlannedUpdate {
    const self = this.state;
    return {
      spec: { kind: 'adam', learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon },
      slots: (weights) => weights.map((w, i) => [ensureSlot(self.accumulatedFirstMoment, i, w, 'm'), ensureSlot(self.accumulatedSecondMoment, i, w, 'v')]),
      powers: () => [self.accBeta1, self.accBeta2],
      finish: () => this.incrementIterations(),
    };
  }
}
