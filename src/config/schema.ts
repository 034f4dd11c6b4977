import { z } from 'zod';
import { FILE_FORMATS, type FileFormat } from '../data/files/options';

/** Names that become a file or folder name (experiments, arms): one safe path segment. */
export const FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
export const FILE_NAME_RULE = 'must start with a letter or digit, followed by letters, digits, ".", "_" or "-"';

/**
 * A name that becomes a file or folder name. `.` and `..` are told why they are refused (they
 * are made of allowed characters, but name this folder and its parent), not the character rule.
 */
export function fileNameSchema(purpose: string): z.ZodType<string> {
  return z.string().superRefine((name, ctx) => {
    if (name === '.' || name === '..') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${name}" is a reserved name (it means ${name === '.' ? 'this folder' : 'the parent folder'}); ${purpose}, so choose a name starting with a letter or digit` });
    } else if (!FILE_NAME_PATTERN.test(name)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${FILE_NAME_RULE} (${purpose})` });
    }
  });
}

/** A Keras-style layer in a config's layer list. */
const Activation = z.enum(['linear', 'relu', 'sigmoid', 'softmax', 'tanh', 'elu', 'selu', 'softplus']);

const PoolSize = z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]).default(2);

export const LayerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dense'), units: z.number().int().positive(), activation: Activation.default('linear') }).strict(),
  z
    .object({
      type: z.literal('conv2d'),
      filters: z.number().int().positive(),
      kernelSize: z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]),
      strides: z.number().int().positive().default(1),
      padding: z.enum(['valid', 'same']).default('valid'),
      activation: Activation.default('linear'),
    })
    .strict(),
  z.object({ type: z.literal('maxPooling2d'), poolSize: PoolSize }).strict(),
  z.object({ type: z.literal('flatten') }).strict(),
  z.object({ type: z.literal('dropout'), rate: z.number().min(0).lt(1) }).strict(),
  z.object({ type: z.literal('activation'), activation: Activation }).strict(),
  z.object({ type: z.literal('embedding'), outputDim: z.number().int().positive(), inputDim: z.number().int().positive().optional() }).strict(),
  z.object({ type: z.literal('globalAveragePooling1d') }).strict(),
  z.object({ type: z.literal('batchNormalization'), momentum: z.number().gt(0).lt(1).default(0.99), epsilon: z.number().positive().default(0.001) }).strict(),
  z.object({ type: z.literal('layerNormalization'), epsilon: z.number().positive().default(0.001) }).strict(),
  z
    .object({
      type: z.literal('conv1d'),
      filters: z.number().int().positive(),
      kernelSize: z.number().int().positive(),
      strides: z.number().int().positive().default(1),
      padding: z.enum(['valid', 'same']).default('valid'),
      activation: Activation.default('linear'),
    })
    .strict(),
  z.object({ type: z.literal('maxPooling1d'), poolSize: z.number().int().positive().default(2) }).strict(),
  z.object({ type: z.literal('averagePooling2d'), poolSize: PoolSize }).strict(),
  z.object({ type: z.literal('globalAveragePooling2d') }).strict(),
  z.object({ type: z.literal('globalMaxPooling1d') }).strict(),
  z.object({ type: z.literal('globalMaxPooling2d') }).strict(),
  z.object({ type: z.literal('lstm'), units: z.number().int().positive(), returnSequences: z.boolean().default(false) }).strict(),
  z.object({ type: z.literal('gru'), units: z.number().int().positive(), returnSequences: z.boolean().default(false) }).strict(),
]);
export type LayerSpec = z.infer<typeof LayerSchema>;

export const ModelSchema = z.union([
  z.string().min(1),
  z.object({ layers: z.array(LayerSchema).min(1) }).strict(),
  /** A tfjs Layers model.json; `seeded` re-initialises its weights from the experiment's seed. */
  z.object({ path: z.string().min(1), initialWeights: z.enum(['file', 'seeded']).default('file') }).strict(),
  /** A JavaScript module exporting createModel({tf, inputShape, numClasses, outputUnits, seed}). */
  z.object({ module: z.string().min(1) }).strict(),
]);
export type ModelConfig = z.infer<typeof ModelSchema>;

/** The losses (Keras' names): three for classes, three for regression targets. */
export const LOSS_NAMES = ['categorical_crossentropy', 'sparse_categorical_crossentropy', 'binary_crossentropy', 'mse', 'mae', 'huber'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

export const SCHEDULE_NAMES = ['constant', 'step', 'exponential', 'cosine', 'linear'] as const;

/**
 * A learning-rate schedule (src/train/lr-schedule.ts has the formulas). `every` and `warmup` are
 * in steps; `final` is an absolute rate reached at the end of the run (or of the budget).
 */
export const ScheduleSchema = z
  .object({
    name: z.enum(SCHEDULE_NAMES).default('constant'),
    every: z.number().int().positive().optional(),
    factor: z.number().gt(0).max(1).optional(),
    final: z.number().min(0).optional(),
    warmup: z.number().int().min(0).default(0),
  })
  .strict()
  .refine((s) => s.name !== 'step' || s.every !== undefined, { message: 'a step schedule needs every: <steps> (the rate is multiplied by factor every that many steps)', path: ['every'] })
  .refine((s) => s.name !== 'exponential' || (s.final !== undefined && s.final > 0), { message: 'an exponential schedule needs final: <rate> > 0 (the rate it decays to)', path: ['final'] });
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;

export const OptimizerSchema = z
  .object({
    name: z.enum(['sgd', 'rmsprop', 'adam', 'adadelta', 'adagrad']),
    learningRate: z.number().positive().optional(),
    momentum: z.number().min(0).optional(),
    rho: z.number().gt(0).lt(1).optional(),
    beta1: z.number().gt(0).lt(1).optional(),
    beta2: z.number().gt(0).lt(1).optional(),
    epsilon: z.number().positive().optional(),
    schedule: ScheduleSchema.optional(),
  })
  .strict();
export type OptimizerConfig = z.infer<typeof OptimizerSchema>;

export const ValidationSchema = z.union([
  z.literal('test'),
  z.object({ holdout: z.number().gt(0).lt(1) }).strict(),
]);

/**
 * The generic dataset keys; dataset-specific options are checked by the dataset's own schema.
 * `name` picks a built-in dataset; `format` reads the user's own files (src/data/files/options.ts).
 */
export const DatasetBaseSchema = z
  .object({
    name: z.string().min(1).optional(),
    format: z.enum(FILE_FORMATS).optional(),
    /** A built-in dataset's copy, or a file source's file/folder (an npy pair may be {x, y}). */
    path: z.union([z.string().min(1), z.object({ x: z.string().min(1), y: z.string().min(1) }).strict()]).optional(),
    limit: z.number().int().positive().optional(),
    validation: ValidationSchema.default('test'),
  })
  .passthrough();

/** The generic arm keys; strategy parameters are checked by the strategy's own schema. */
export const ArmBaseSchema = z
  .object({
    name: fileNameSchema('it names a CSV file'),
    strategy: z.string().min(1),
  })
  .passthrough();

/**
 * A budgeted run (src/config/budget.ts): every arm trains until it has spent the same amount of
 * one thing — seconds of its own clock, cost units, or the cost of E uniform epochs.
 */
export const BudgetSchema = z
  .object({
    seconds: z.number().positive().optional(),
    cost: z.number().positive().optional(),
    uniformEpochs: z.number().positive().optional(),
    /** Evaluations at equal fractions of the budget, the last one at its end. */
    evaluations: z.number().int().min(1).max(1000).default(10),
  })
  .strict()
  .refine((b) => [b.seconds, b.cost, b.uniformEpochs].filter((v) => v !== undefined).length === 1, {
    message: 'give exactly one of seconds, cost or uniformEpochs',
  });
export type BudgetConfig = z.infer<typeof BudgetSchema>;

export const ExperimentSchema = z
  .object({
    name: fileNameSchema('it names a results folder'),
    description: z.string().default(''),
    dataset: DatasetBaseSchema,
    model: ModelSchema,
    optimizer: OptimizerSchema,
    loss: z.enum(LOSS_NAMES),
    /** Huber's delta (Keras' default 1); only with loss: huber. */
    huberDelta: z.number().positive().optional(),
    epochs: z.number().int().positive(),
    batchSize: z.number().int().positive(),
    seed: z.number().int().min(0).default(0),
    budget: BudgetSchema.optional(),
    arms: z.array(ArmBaseSchema).min(1),
    /** CI gates, checked after the run (see the report module). */
    expect: z.array(z.string()).optional(),
    /** The published numbers this experiment reproduces, and where they come from. */
    reference: z.record(z.unknown()).optional(),
  })
  .strict();

/** An arm after its strategy parameters were validated and defaulted. */
export type ArmConfig = {
  name: string;
  strategy: string;
  params: Record<string, unknown>;
};

/** A fully resolved experiment: every default filled in, every part validated. */
export type ExperimentConfig = {
  name: string;
  description: string;
  dataset: {
    /** The built-in dataset, or for a file source its display name (the file name unless given). */
    name: string;
    /** Set for the user's own files; `options` then hold that reader's options, paths made absolute. */
    format?: FileFormat;
    path?: string;
    limit?: number;
    validation: 'test' | { holdout: number };
    options: Record<string, unknown>;
  };
  /** A zoo name, a layer list, or the user's model (paths made absolute). */
  model: ModelConfig;
  optimizer: OptimizerConfig;
  loss: LossName;
  huberDelta?: number;
  epochs: number;
  batchSize: number;
  seed: number;
  budget?: BudgetConfig;
  arms: ArmConfig[];
  expect?: string[];
  reference?: Record<string, unknown>;
};
