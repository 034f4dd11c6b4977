/**
 * `npm run bench`: the MNIST MLP on a few thousand samples, uniform vs upper-bound importance
 * sampling, interleaved in one run. Prints each arm's median epoch time, its ratio against the
 * uniform arm and against the cost model (B + 3b) / 3b, training samples/s, and peak RSS.
 * A benchmark, not a test: timings on a shared 2-core machine are noisy, so compare ratios.
 *
 *   npm run bench -- [--limit 6000] [--epochs 3] [--backend auto|wasm|cpu]
 */
import { loadExperiment } from '../src/config/load';
import { runExperiment } from '../src/train/experiment';
import { PlainProgress } from '../src/record/progress';
import { tableToMarkdown } from '../src/report/table';
import type { BackendChoice } from '../src/engine/backend';
import * as os from 'os';
import * as path from 'path';
import { readFileSync } from 'fs';
import { parse } from 'csv-parse/sync';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const limit = Number(arg('limit', '6000'));
  const epochs = Number(arg('epochs', '3'));
  const backend = arg('backend', 'auto') as BackendChoice;
  const { config } = loadExperiment('mnist-mlp', { limit, epochs });
  const { summary, dir } = await runExperiment(config, {
    backend,
    outDir: os.tmpdir() + '/is-bench-bench',
    events: new PlainProgress(process.stderr),
  });
  const b = config.batchSize;
  const uniform = summary.arms.find((a) => a.strategy === 'uniform')!;
  const perArm = summary.arms.map((a) => {
    const rows = parse(readFileSync(path.join(dir, `${a.name}.csv`), 'utf8'), { columns: true, cast: true }) as Record<string, number>[];
    // epoch 1 includes warm-up (first allocations, importance sampling not yet on): leave it out
    const timed = rows.length > 1 ? rows.slice(1) : rows;
    return {
      arm: a,
      epochTime: median(timed.map((r) => r.epoch_time_s)),
      trainSamplesPerS: median(timed.map((r) => (r.steps * b) / r.epoch_time_s)),
      isActive: median(timed.map((r) => r.is_active)),
      costPerEpoch: median(timed.map((r) => r.cost_units)),
    };
  });
  const base = perArm.find((p) => p.arm.name === uniform.name)!;
  const rows = perArm.map((p) => [
    p.arm.name,
    p.epochTime.toFixed(2),
    (p.epochTime / base.epochTime).toFixed(2),
    (p.costPerEpoch / base.costPerEpoch).toFixed(2),
    p.arm.costModelRatio !== undefined ? p.arm.costModelRatio.toFixed(2) : '1.00',
    p.isActive.toFixed(2),
    Math.round(p.trainSamplesPerS).toString(),
  ]);
  console.log(`\nmnist-mlp, ${summary.dataset?.train} training samples, batch ${b}, ${epochs} epochs (medians over epochs 2..${epochs})`);
  console.log(summary.backendLine);
  console.log(`machine: ${summary.machine?.cpu}, ${summary.machine?.cores} cores, ${summary.machine?.memoryGiB} GiB`);
  console.log(tableToMarkdown({ header: ['arm', 'epoch_s', 'time_ratio', 'cost_units_ratio', 'cost_model', 'is_active', 'train_samples/s'], rows }));
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
