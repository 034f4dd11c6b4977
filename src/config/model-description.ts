import type { ExperimentConfig } from './schema';

/**
 * Where the resolved experiment's model comes from and what its loss is, as YAML comment lines
 * for `is-bench config` (comments, so the printed document still parses as the same config).
 */

const LOSS_TEXT: Record<ExperimentConfig['loss'], string> = {
  categorical_crossentropy: 'classification, softmax over one-hot classes',
  sparse_categorical_crossentropy: 'classification, softmax over integer class ids (the same loss as categorical_crossentropy)',
  binary_crossentropy: 'binary labels, sigmoid output(s)',
  mse: 'regression, mean squared error; val_mae in place of accuracy',
  mae: 'regression, mean absolute error; val_mae in place of accuracy',
  huber: 'regression, Huber loss; val_mae in place of accuracy',
};

export function modelSourceLines(cfg: ExperimentConfig): string[] {
  const m = cfg.model;
  let model: string;
  if (typeof m === 'string') model = `zoo (${m}; \`is-bench list\` describes it)`;
  else if ('layers' in m) model = `layers (${m.layers.length} layer${m.layers.length === 1 ? '' : 's'}: ${m.layers.map((l) => l.type).join(', ')})`;
  else if ('path' in m) model = `path (tfjs Layers model ${m.path}; initial weights ${m.initialWeights === 'file' ? "from the file's weights" : `re-initialised from seed ${cfg.seed}`})`;
  else model = `module (${m.module}: createModel({tf, inputShape, numClasses, outputUnits, seed}), called once, every arm a copy)`;
  const delta = cfg.loss === 'huber' ? `, delta ${cfg.huberDelta ?? 1}` : '';
  return [`# model source: ${model}`, `# loss: ${cfg.loss} (${LOSS_TEXT[cfg.loss]}${delta})`];
}
