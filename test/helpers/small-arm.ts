/**
 * A real Arm on a tiny model and 48 synthetic samples (b = 8: 6 steps an epoch, a uniform step
 * costing 24 cost units), SGD at 0.1, on the cpu backend: for tests of what the loop does per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, ScheduleConfig } from '../../src/config/schema';
import { makeBlobs } from '../../src/data/synthetic';
import { buildModel } from '../../src/models/build';
import { Rng } from '../../src/rng';
import { uniformStrategy } from '../../src/sampling/uniform';
import type { Strategy } from '../../src/spec';
import { Arm, type BudgetMeter } from '../../src/train/arm';
import { createOptimizer } from '../../src/train/optimizer';
import { disposeSplit, toDevice, TrainingSession, type DeviceSplit } from '../../src/train/session';

const LAYERS: LayerSpec[] = [
  { type: 'dense', units: 8, activation: 'relu' },
  { type: 'dense', units: 3, activation: 'softmax' },
];
export const SMALL_SETUP = { n: 48, batchSize: 8, epochs: 2, numClasses: 3 };

export interface SmallArmOptions {
  strategy?: Strategy;
  schedule?: ScheduleConfig;
  budget?: BudgetMeter;
  epochs?: number;
}

/** Registers beforeAll/afterAll for the device data; returns a maker of fresh arms (each disposes its own session). */
export function smallArms(): (options?: SmallArmOptions) => Arm {
  const data = makeBlobs({ train: 48, test: 12, features: 4, classes: 3, separation: 1 }, 2);
  let train: DeviceSplit;
  let validation: DeviceSplit;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    train = toDevice(data.train, 'float32');
    validation = toDevice(data.test, 'float32');
  });
  afterAll(() => {
    disposeSplit(train);
    disposeSplit(validation);
  });
  return (o: SmallArmOptions = {}) => {
    const session = () =>
      new TrainingSession(buildModel(LAYERS, { inputShape: [4], inputDtype: 'float32', seed: 3, dropoutRng: new Rng(3) }), createOptimizer({ name: 'sgd', learningRate: 0.1 }), train);
    return new Arm({
      name: 'arm',
      strategyName: 'test',
      strategy: o.strategy ?? uniformStrategy.create({}, SMALL_SETUP),
      session: session(),
      rng: new Rng(1),
      dropoutRng: new Rng(2),
      labels: data.train.labels,
      batchSize: 8,
      epochs: o.epochs ?? 2,
      validation,
      freshSession: session,
      schedule: o.schedule,
      budget: o.budget,
    });
  };
}
