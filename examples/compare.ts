/**
 * Uniform sampling against importance sampling from code, on the built-in synthetic set:
 * the same run as `is-bench run` with a config, returned as the summary.json object.
 *
 *   npx ts-node examples/compare.ts [results-folder]
 *
 * With a results folder it also writes the run's CSVs, summary.json and report there (then
 * `npx is-bench report <folder>` reads them).
 */
import * as tf from '@tensorflow/tfjs';
import { compare } from 'is-bench';

async function main(): Promise<void> {
  const out = process.argv[2];
  const summary = await compare({
    // a factory: called once; every arm trains a copy with the same initial weights
    model: () =>
      tf.sequential({
        layers: [tf.layers.dense({ inputShape: [20], units: 64, activation: 'relu' }), tf.layers.dense({ units: 4, activation: 'softmax' })],
      }),
    data: { name: 'synthetic', train: 2000, test: 500 },
    arms: ['uniform', { name: 'importance', strategy: 'upper-bound', presample: 3 }],
    epochs: 3,
    batchSize: 32,
    seed: 0,
    optimizer: { name: 'adam' },
    ...(out ? { out, name: 'library-compare' } : {}),
  });
  for (const arm of summary.arms) {
    console.log(
      `${arm.name.padEnd(10)} val_loss ${arm.final!.val_loss.toFixed(4)} - val_accuracy ${arm.final!.val_accuracy.toFixed(4)}` +
        ` - cost ${arm.totals!.cost_units} units - ${arm.totals!.time_s.toFixed(1)}s`,
    );
  }
  console.log(`status: ${summary.status}${out ? ` - files in ${out}/library-compare/${summary.runId}` : ''}`);
}

main().catch((e) => {
  console.error(e instanceof Error && e.name === 'UserError' ? e.message : e);
  process.exit(e instanceof Error && e.name === 'UserError' ? 2 : 1);
});
