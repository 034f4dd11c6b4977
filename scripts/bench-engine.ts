/**
 * Engine benchmark (issue 7): training throughput of the reference models on tfjs `cpu`, stock
 * `wasm` and wasm + native kernels, against what OpenBLAS sgemm does at the same matrix shapes.
 *
 *   npm run bench:engine [-- --quick] [--cpu-steps N] [--cpu-cnn-batch N]
 *
 * The models, optimizers, batch sizes and seeds are those of configs/mnist-mlp, mnist-cnn, reuters-mlp
 * and imdb-fasttext (zoo models built by buildModel), and the step timed is is-bench's training step,
 * `TrainingSession.trainStep`: gather the batch, forward, per-sample losses and scores, backward,
 * optimizer update. Inputs are synthetic, of the datasets' shapes (no dataset needed). Prints a
 * markdown report.
 *
 * Definitions (also in docs/engine.md):
 * - training FLOPs of a step = the sgemm FLOPs it needs (2mnk per product: forward, weight/filter
 *   gradients, input gradients except for the network's input; derived from the layer list by
 *   trainingGemms); elementwise work is not counted.
 * - sgemm-bound step time = sum over those products of OpenBLAS sgemm's time at that shape (the
 *   faster of a measurement before and one after the engines), and sgemm GFLOP/s = training
 *   FLOPs / that time.
 * - engine efficiency = (training FLOPs per second of an engine) / (sgemm GFLOP/s)
 *   = sgemm-bound step time / measured step time.
 * - scoring ratio = time of is-bench's scoring pass (`TrainingSession.score(indices, 'loss')`: an
 *   inference-mode forward pass with per-sample losses), per sample, against a training step per
 *   sample (importance sampling's cost model assumes 1 : 3).
 */
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadNativeAddon, type NativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels, nativeKernelsUnavailableReason, type NativeKernelStatus } from '../src/engine/native';
import {
  gemmFlops, openWorkload, referenceWorkload, trainingGemms, type GemmShape, type ReferenceWorkload,
} from '../src/bench/reference-workloads';

type Engine = 'cpu' | 'wasm' | 'wasm + native';

interface Options {
  quick: boolean;
  cpuSteps: number;
  /** Batch size for the CNN on cpu (a batch-128 step takes minutes there); samples/s scale with it linearly. */
  cpuCnnBatch: number;
}

interface EngineResult {
  engine: Engine;
  batch: number;
  /** Median training step, ms; undefined when the engine cannot train the model. */
  stepMs?: number;
  /** Median scoring pass per sample over median training step per sample. */
  scoreToTrain?: number;
  failure?: string;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const at = argv.indexOf('--cpu-steps');
  const cpuSteps = at >= 0 ? Number(argv[at + 1]) : quick ? 1 : 3;
  if (!Number.isInteger(cpuSteps) || cpuSteps < 1) throw new Error('--cpu-steps needs a positive integer');
  const cb = argv.indexOf('--cpu-cnn-batch');
  const cpuCnnBatch = cb >= 0 ? Number(argv[cb + 1]) : 8;
  if (!Number.isInteger(cpuCnnBatch) || cpuCnnBatch < 1) throw new Error('--cpu-cnn-batch needs a positive integer');
  return { quick, cpuSteps, cpuCnnBatch };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Times `f` `warmup` times untimed, then at least `minRuns` times and `minSeconds`; median ms. */
function timeMedian(f: () => void, warmup: number, minRuns: number, minSeconds: number, maxRuns = 1000): number {
  for (let i = 0; i < warmup; i++) f();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minSeconds * 1000 && times.length < maxRuns)) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function useEngine(engine: Engine): Promise<NativeKernelStatus | null> {
  disableNativeKernels();
  await tf.setBackend(engine === 'cpu' ? 'cpu' : 'wasm');
  return engine === 'wasm + native' ? enableNativeKernels() : null;
}

async function measure(model: ReferenceWorkload, engine: Engine, opts: Options): Promise<EngineResult> {
  if (engine === 'cpu' && model.name === 'MNIST CNN') model = { ...model, batch: opts.cpuCnnBatch };
  const batch = model.batch;
  await useEngine(engine);
  const { session, indices, dispose } = openWorkload(model, `bench/${model.name}`);
  try {
    try {
      session.trainStep(indices, null);
    } catch (e) {
      const missing = /Kernel '(\w+)' not registered/.exec((e as Error).message);
      return { engine, batch, failure: missing ? `cannot train: no ${missing[1]} kernel` : `fails: ${(e as Error).message.split('\n')[0]}` };
    }
    const slow = engine === 'cpu';
    const stepMs = timeMedian(() => session.trainStep(indices, null), slow ? 0 : 2, slow ? opts.cpuSteps : 5, opts.quick || slow ? 0 : 4);
    const scoreMs = timeMedian(() => session.score(indices, 'loss'), 1, slow ? opts.cpuSteps : 5, opts.quick || slow ? 0 : 2);
    return { engine, batch, stepMs, scoreToTrain: scoreMs / stepMs };
  } finally {
    dispose();
  }
}

interface SgemmResult {
  flops: number;
  boundMs: number;
  rows: { gemm: GemmShape; ms: number; gflops: number }[];
}

/** OpenBLAS sgemm at each product of one training step, on plain memory. */
function measureSgemm(addon: NativeAddon, gemms: GemmShape[], quick: boolean): SgemmResult {
  const rows = gemms.map((gemm) => {
    const { m, n, k } = gemm;
    const heap = new ArrayBuffer(4 * (m * k + k * n + m * n));
    const values = new Float32Array(heap);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i);
    const ms = timeMedian(() => addon.sgemm(heap, gemm.transA, gemm.transB, m, n, k, 0, 4 * m * k, 4 * (m * k + k * n)), 3, 5, quick ? 0.1 : 0.4);
    return { gemm, ms, gflops: (2 * m * n * k) / ms / 1e6 };
  });
  return {
    flops: gemmFlops(gemms),
    boundMs: rows.reduce((s, r) => s + r.ms, 0),
    rows,
  };
}

/** Per product, the faster of two measurements. */
function fasterSgemm(a: SgemmResult, b: SgemmResult): SgemmResult {
  const rows = a.rows.map((row, i) => (row.gflops >= b.rows[i].gflops ? row : b.rows[i]));
  return { flops: a.flops, boundMs: rows.reduce((s, r) => s + r.ms, 0), rows };
}

const fmt = (v: number, digits = 1) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));
const ratio = (v: number) => (v >= 10 ? `${v.toFixed(0)}x` : `${v.toFixed(2)}x`);

function report(model: ReferenceWorkload, results: EngineResult[], sgemm: SgemmResult): string[] {
  const samples = (r?: EngineResult) => (r?.stepMs ? (r.batch * 1000) / r.stepMs : undefined);
  const cpu = samples(results.find((r) => r.engine === 'cpu'));
  const wasm = samples(results.find((r) => r.engine === 'wasm'));
  const native = results.find((r) => r.engine === 'wasm + native');
  // Every product's FLOPs grow linearly with the batch, so FLOPs per sample hold at any batch.
  const flopsPerSample = sgemm.flops / model.batch;
  const sgemmGflops = sgemm.flops / sgemm.boundMs / 1e6;
  const lines = [
    `### ${model.name} (${fmt(sgemm.flops / 1e6)} MFLOP of sgemm per batch-${model.batch} step)`,
    '',
    '| engine | batch | step ms | samples/s | vs cpu | vs wasm | training GFLOP/s | efficiency | scoring : training per sample |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const s = samples(r);
    if (!s || !r.stepMs) {
      lines.push(`| ${r.engine} | ${r.batch} | — | — | — | — | — | — | ${r.failure ?? ''} |`);
      continue;
    }
    const gflops = (flopsPerSample * s) / 1e9;
    lines.push(`| ${r.engine} | ${r.batch} | ${fmt(r.stepMs)} | ${fmt(s)} | ${cpu ? ratio(s / cpu) : '—'} | ${wasm ? ratio(s / wasm) : '—'} | ` +
      `${fmt(gflops, 2)} | ${(gflops / sgemmGflops).toFixed(3)} | 1 : ${(1 / (r.scoreToTrain ?? NaN)).toFixed(1)} |`);
  }
  const epoch = Math.ceil(60000 / model.batch);
  lines.push('', `sgemm at the step's shapes: ${fmt(sgemmGflops)} GFLOP/s, a bound of ${fmt(sgemm.boundMs, 2)} ms per step; ` +
    `a full MNIST epoch (${epoch} steps) is ${fmt((epoch * sgemm.boundMs) / 1000, 2)} s sgemm-bound` +
    (native?.stepMs ? `, ${fmt((epoch * native.stepMs) / 1000, 2)} s on wasm + native (${fmt(native.stepMs / sgemm.boundMs, 2)}x the bound).` : '.'));
  lines.push('', '| product | m x n x k (op) | sgemm GFLOP/s |', '|---|---|---:|');
  for (const { gemm, gflops: g } of sgemm.rows) {
    lines.push(`| ${gemm.role} | ${gemm.m} x ${gemm.n} x ${gemm.k} (${gemm.transA ? 'T' : 'N'}${gemm.transB ? 'T' : 'N'}) | ${fmt(g)} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  const { addon } = loadNativeAddon();
  await tf.setBackend('wasm');
  const status = enableNativeKernels();
  disableNativeKernels();

  const header = [
    '## Engine benchmark',
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, tfjs ${tf.version.tfjs}; ` +
      (status ? `native kernels: ${status.blas}, ${status.threads} thread${status.threads === 1 ? '' : 's'}` : `native kernels not used (${nativeKernelsUnavailableReason()})`) +
      `. Synthetic MNIST-shaped inputs; medians of repeated steps${opts.quick ? ' (--quick)' : ''}.`,
    '',
  ];
  console.log(header.join('\n'));

  const engines: Engine[] = status ? ['cpu', 'wasm', 'wasm + native'] : ['cpu', 'wasm'];
  const outcomes = new Map<string, { results: EngineResult[]; sgemm: SgemmResult }>();
  for (const model of [referenceWorkload('mnist-mlp'), referenceWorkload('mnist-cnn')]) {
    const gemms = trainingGemms(model.layers, model.data.inputShape, model.batch);
    // sgemm is measured before and after the engines and the faster is kept: other load on the
    // machine only ever slows it, and a slow sgemm would flatter the engines' efficiency.
    const sgemmBefore = addon ? measureSgemm(addon, gemms, opts.quick) : null;
    const results: EngineResult[] = [];
    for (const engine of engines) results.push(await measure(model, engine, opts));
    if (!addon) {
      // Without the addon there is no sgemm to compare with: print throughput only.
      console.log([`### ${model.name}`, '', ...results.map((r) => `- ${r.engine}: ${r.stepMs ? `${fmt((r.batch * 1000) / r.stepMs)} samples/s (batch ${r.batch})` : r.failure}`), ''].join('\n'));
      continue;
    }
    const sgemm = fasterSgemm(sgemmBefore!, measureSgemm(addon, gemms, opts.quick));
    outcomes.set(model.name, { results, sgemm });
    console.log([...report(model, results, sgemm), ''].join('\n'));
  }

  // The other two reference models. IMDB skips cpu: tfjs's cpu UnsortedSegmentSum (the embedding
  // gradient) runs one masked sum per vocabulary entry, 20000 per step.
  const others: string[] = [
    '### Other reference models', '',
    '| model | engine | batch | step ms | samples/s | scoring : training per sample |', '|---|---|---:|---:|---:|---:|',
  ];
  let imdbTrains = false;
  for (const model of [referenceWorkload('reuters-mlp'), referenceWorkload('imdb-fasttext')]) {
    for (const engine of engines.filter((e) => e !== 'cpu' || model.name !== 'IMDB FastText')) {
      const r = await measure(model, engine, opts);
      if (model.name === 'IMDB FastText' && engine === 'wasm + native') imdbTrains = r.stepMs !== undefined;
      others.push(r.stepMs
        ? `| ${model.name} | ${engine} | ${r.batch} | ${fmt(r.stepMs)} | ${fmt((r.batch * 1000) / r.stepMs)} | 1 : ${(1 / r.scoreToTrain!).toFixed(1)} |`
        : `| ${model.name} | ${engine} | ${r.batch} | — | — | ${r.failure} |`);
    }
  }
  console.log(others.join('\n'));
  if (status) console.log(['', ...targets(outcomes, imdbTrains)].join('\n'));
  disableNativeKernels();
}

/** The issue's targets for this machine, met or not. */
function targets(outcomes: Map<string, { results: EngineResult[]; sgemm: SgemmResult }>, imdbTrains: boolean): string[] {
  const samples = (model: string, engine: Engine) => {
    const r = outcomes.get(model)?.results.find((x) => x.engine === engine);
    return r?.stepMs ? (r.batch * 1000) / r.stepMs : NaN;
  };
  const efficiency = (model: string) => {
    const o = outcomes.get(model)!;
    const r = o.results.find((x) => x.engine === 'wasm + native');
    return r?.stepMs ? o.sgemm.boundMs / ((r.stepMs * 128) / r.batch) : NaN;
  };
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const mlpVsWasm = samples('MNIST MLP', 'wasm + native') / samples('MNIST MLP', 'wasm');
  const mlpVsCpu = samples('MNIST MLP', 'wasm + native') / samples('MNIST MLP', 'cpu');
  const effMlp = efficiency('MNIST MLP');
  const effCnn = efficiency('MNIST CNN');
  return [
    '### Targets (issue 7)',
    '',
    `- MLP wasm + native >= 6x stock wasm: ${ratio(mlpVsWasm)}, ${check(mlpVsWasm >= 6)}`,
    `- MLP wasm + native >= 20x cpu: ${ratio(mlpVsCpu)}, ${check(mlpVsCpu >= 20)}`,
    `- efficiency >= 0.5: MLP ${effMlp.toFixed(2)} (${check(effMlp >= 0.5)}), CNN ${effCnn.toFixed(2)} (${check(effCnn >= 0.5)})`,
    `- full-MNIST CNN epoch within 2x of its sgemm-bound time: ${(1 / effCnn).toFixed(2)}x, ${check(1 / effCnn <= 2)}`,
    `- IMDB FastText trains: ${imdbTrains ? 'yes' : 'no'}`,
  ];
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
