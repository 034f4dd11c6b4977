import { z } from 'zod';
import { Rng } from '../rng';
import type { DataSplit } from '../spec';
import { checkDataSize } from './data-limit';
import { oneHot } from './one-hot';
import { MAX_SYNTHETIC_CLASSES, MAX_SYNTHETIC_FEATURES, MAX_SYNTHETIC_SAMPLES, sizeOption } from './size-ranges';
import type { DatasetDefinition } from './dataset-contract';

const SyntheticOptions = z
  .object({
    train: sizeOption(10, MAX_SYNTHETIC_SAMPLES, 'every sample is generated in memory').default(2000),
    test: sizeOption(10, MAX_SYNTHETIC_SAMPLES, 'every sample is generated in memory').default(500),
    features: sizeOption(1, MAX_SYNTHETIC_FEATURES, 'a sample holds features float32 values').default(20),
    classes: sizeOption(2, MAX_SYNTHETIC_CLASSES, 'targets are one-hot rows of classes float32 values').default(4),
    /** Distance scale of the class centres; smaller is harder. */
    separation: z.number().positive().default(1.5),
  })
  .strict();
export type SyntheticOptions = z.infer<typeof SyntheticOptions>;

function gaussian(rng: Rng): number {
  // Box-Muller; 1 - u keeps log away from 0
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gaussian blobs: one centre per class, unit-variance samples around it. Seeded, so reproducible. */
export function makeBlobs(opts: SyntheticOptions, seed: number): { train: DataSplit; test: DataSplit } {
  // each sample is `features` inputs and a one-hot row of `classes`, all float32
  checkDataSize(
    'dataset.train',
    (opts.train + opts.test) * (opts.features + opts.classes) * 4,
    `(train ${opts.train} + test ${opts.test}) samples x (features ${opts.features} + classes ${opts.classes}) float32 values`,
    'use fewer samples, features or classes',
  );
  const rng = Rng.forRole(seed, 'synthetic-data');
  const centres = Array.from({ length: opts.classes }, () =>
    Array.from({ length: opts.features }, () => gaussian(rng) * opts.separation),
  );
  const split = (n: number): DataSplit => {
    const x = new Float32Array(n * opts.features);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = rng.int(opts.classes);
      labels[i] = c;
      for (let f = 0; f < opts.features; f++) x[i * opts.features + f] = centres[c][f] + gaussian(rng);
    }
    return { x, y: oneHot(labels, opts.classes), labels, n };
  };
  return { train: split(opts.train), test: split(opts.test) };
}

export const syntheticDataset: DatasetDefinition<SyntheticOptions> = {
  name: 'synthetic',
  description: 'Gaussian blobs generated from the seed (options: train, test, features, classes, separation); for demos and tests',
  options: SyntheticOptions,
  expected: { train: 2000, test: 500, inputShape: [20], numClasses: 4 },
  async load(options) {
    // The data seed is fixed so that --seed changes the training, not the task.
    const { train, test } = makeBlobs(options, 1234);
    return {
      name: 'synthetic',
      inputShape: [options.features],
      inputDtype: 'float32',
      labelKind: 'categorical',
      numClasses: options.classes,
      train,
      validation: test,
      source: 'generated',
      info: [`${train.n} train samples`, `${test.n} test samples`, `${options.features} features, ${options.classes} classes`],
    };
  },
};
