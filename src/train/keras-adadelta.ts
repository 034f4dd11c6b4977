import * as tf from '@tensorflow/tfjs';
import { ensureSlot, type Slot } from './native-slots';
import type { PlannedUpdate } from './native-step';

interface AdadeltaState {
  accumulatedGrads: Slot[];
  accumulatedUpdates: Slot[];
  rho: number;
  epsilon: number;
  learningRate: number;
}

/**
 * Adadelta as Keras and TensorFlow compute it. tfjs 4.22's AdadeltaOptimizer divides by the
 * gradient accumulator *before* adding the current squared gradient, so its first step is a
 * plain SGD step of size learningRate * g: with Keras' learning rate 1.0 the MNIST CNN
 * diverges at once. Here the update uses the new accumulator (Zeiler 2012, Keras, TF):
 *   acc_g = rho acc_g + (1 - rho) g^2
 *   u = sqrt(acc_u + eps) / sqrt(acc_g + eps) * g
 *   acc_u = rho acc_u + (1 - rho) u^2
 *   w -= lr u
 * The slots keep tfjs' names and order, so getWeights/setWeights (checkpoints) work unchanged.
 * A planned step (src/train/native-step.ts) runs the same update natively.
 */
export class KerasAdadelta extends tf.AdadeltaOptimizer {
  static override get className(): string {
    return 'Adadelta';
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this.state;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const accGrad = ensureSlot(self.accumulatedGrads, i, value, 'accum_grad');
      const accUpdate = ensureSlot(self.accumulatedUpdates, i, value, 'accum_var');
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      tf.tidy(() => {
        const newAccGrad = tf.add(tf.mul(accGrad, self.rho), tf.mul(tf.square(gradient), 1 - self.rho));
        const update = tf.mul(tf.div(tf.sqrt(tf.add(accUpdate, self.epsilon)), tf.sqrt(tf.add(newAccGrad, self.epsilon))), gradient);
        accGrad.assign(newAccGrad);
        accUpdate.assign(tf.add(tf.mul(accUpdate, self.rho), tf.mul(tf.square(update), 1 - self.rho)));
        value.assign(tf.add(tf.mul(update, -self.learningRate), value));
      });
    });
    this.incrementIterations();
  }

  private get state(): AdadeltaState {
    return this as unknown as AdadeltaState;
  }

  /** The update as a planned step runs it: scalars, slots (accumulated gradient, accumulated update). */
  plannedUpdate(): PlannedUpdate {
    const self = this.state;
    return {
      spec: { kind: 'adadelta', learningRate: self.learningRate, rho: self.rho, epsilon: self.epsilon },
      slots: (weights) => weights.map((w, i) => [ensureSlot(self.accumulatedGrads, i, w, 'accum_grad'), ensureSlot(self.accumulatedUpdates, i, w, 'accum_var')]),
      finish: () => this.incrementIterations(),
    };
  }
}
