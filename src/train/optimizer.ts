import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../config/schema';
import { KerasAdadelta } from './keras-adadelta';
import { FusedAdam } from './native-adam';
import { FusedRMSProp } from './native-rmsprop';

/** Keras' defaults for each optimizer, filled into resolved configs so runs say what they used. */
export const OPTIMIZER_DEFAULTS: Record<OptimizerConfig['name'], Partial<OptimizerConfig>> = {
  sgd: { learningRate: 0.01, momentum: 0 },
  rmsprop: { learningRate: 0.001, rho: 0.9, epsilon: 1e-7 },
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adadelta: { learningRate: 1.0, rho: 0.95, epsilon: 1e-7 },
  adagrad: { learningRate: 0.01 },
};

export function withOptimizerDefaults(cfg: OptimizerConfig): OptimizerConfig {
  return { ...OPTIMIZER_DEFAULTS[cfg.name], ...cfg };
}

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
