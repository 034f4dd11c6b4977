import * as tf from '@tensorflow/tfjs';
import { withOptimizerDefaults } from '../config/optimizer-defaults';
import type { OptimizerConfig } from '../config/schema';
import { KerasAdadelta } from './keras-adadelta';
import { FusedAdam } from './native-adam';
import { FusedRMSProp } from './native-rmsprop';

export function createOptimizer(raw: OptimizerConfig): tf.Optimizer {
  const c = withOptimizerDefaults(raw);
  const lr = c.learningRate!;
  switch (c.name) {
    case 'sgd':
      return c.momentum ? tf.train.momentum(lr, c.momentum) : tf.train.sgd(lr);
    case 'rmsprop':
      return new FusedRMSProp(lr, c.rho, c.momentum ?? 0, c.epsilon);
    case 'adam':
      return new FusedAdam(lr, c.beta1 ?? 0.9, c.beta2 ?? 0.999, c.epsilon);
    case 'adadelta':
      return new KerasAdadelta(lr, c.rho!, c.epsilon);
    case 'adagrad':
      return tf.train.adagrad(lr);
  }
}

/** tfjs optimizers keep their rate in a `learningRate` field; SGD and momentum also cache it in a scalar that setLearningRate refreshes. */
interface RateHolder {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

export function learningRateOf(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as RateHolder).learningRate;
}

/** Sets the rate the next step uses (tfjs's step and the planned step both read it per step). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as RateHolder;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}
