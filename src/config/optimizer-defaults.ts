import type { OptimizerConfig } from './schema';

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
