/**
 * The reference library's `ImportanceTraining(model).fit(x, y)` from TypeScript: a compiled
 * tf.LayersModel trained with upper-bound importance sampling on a small generated set.
 *
 *   npx ts-node examples/fit.ts          (after `npm run build`; or node on the compiled file)
 */
import * as tf from '@tensorflow/tfjs';
import { importanceTraining } from 'is-bench';

/** Four Gaussian blobs in 10 dimensions, seeded: n samples with their class ids. */
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const centres = tf.randomNormal([4, 10], 0, 1.5, 'float32', 1);
    const y = tf.randomUniform([n], 0, 4, 'int32', seed) as tf.Tensor1D;
    const x = tf.add(tf.gather(centres, y), tf.randomNormal([n, 10], 0, 1, 'float32', seed + 1)) as tf.Tensor2D;
    return { x, y };
  });
}

async function main(): Promise<void> {
  const train = blobs(2000, 10);
  const test = blobs(500, 20);
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [10], units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });

  // y may be class ids (one-hot encoded for the softmax) or one-hot rows
  const history = await importanceTraining(model, { strategy: 'upper-bound', presample: 3, seed: 0 }).fit(train.x, train.y, {
    batchSize: 32,
    epochs: 4,
    validationData: [test.x, test.y],
    callbacks: {
      onEpochEnd: (epoch, r) =>
        console.log(
          `epoch ${epoch + 1}: loss ${r.loss.toFixed(4)} - val_loss ${r.val_loss.toFixed(4)} - val_accuracy ${r.val_accuracy.toFixed(4)}` +
            ` - importance sampling on in ${(100 * r.is_active).toFixed(0)}% of steps (tau ${r.tau.toFixed(2)})`,
        ),
    },
  });
  const last = history.history.val_accuracy![history.epoch.length - 1];
  console.log(`final val_accuracy: ${last.toFixed(4)} after ${history.epoch.length} epochs (${history.status})`);
  [train.x, train.y, test.x, test.y].forEach((t) => t.dispose());
}

main().catch((e) => {
  console.error(e instanceof Error && e.name === 'UserError' ? e.message : e);
  process.exit(e instanceof Error && e.name === 'UserError' ? 2 : 1);
});
