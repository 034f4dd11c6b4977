/**
 * Engine benchmark (issues 7 and 17): training and scoring throughput of the reference models on
 * tfjs `cpu`, stock `wasm` and wasm + native kernels, against what OpenBLAS sgemm does at the same
 * matrix shapes.
 *
 *   npm run bench:engine [-- --quick] [--cpu-steps N] [--cpu-cnn-batch N] [--models mlp,cnn,reuters,imdb] [--no-cpu] [--loaded-only]
 *
 * Each model also runs saved as a model.json and loaded back (model: {path}) against its layer
 * list, paired blocks on the engine in use; --loaded-only runs just that comparison.
 *
 * The models, optimizers, batch sizes and seeds are those of configs/mnist-mlp, mnist-cnn, reuters-mlp
 * and imdb-fasttext (zoo models built by buildModel), and the step timed is is-bench's training step,
 * `TrainingSession.trainStep`: gather the batch, forward, per-sample losses and scores, backward,
 * optimizer update. With the native kernels it is timed twice, in alternating blocks in this one
 * process: tfjs's step over the native kernels (what is-bench ran before the planned step) and the
 * planned step (src/train/native-step.ts); the report gives both medians and the median of the
 * blocks' paired ratios. Inputs are synthetic, of the datasets' shapes (no dataset needed). Prints
 * a markdown report.
 *
 * Definitions (also in docs/engine.md):
 * - training FLOPs of a step = the sgemm FLOPs it needs (2mnk per product: forward, weight/filter
 *   gradients, input gradients except for the network's input; derived from the layer list by
 *   trainingGemms); elementwise work is not counted.
 * - sgemm-bound step time = sum over those products of OpenBLAS sgemm's time at that shape (the
 *   faster of a measurement before and one after the engines); sgemm GFLOP/s = training FLOPs / that.
 * - x bound = measured step time / sgemm-bound step time; engine efficiency = its inverse. The
 *   targets use the paired form: the planned step and the bound in alternating blocks, the median
 *   of the blocks' ratios.
 * - scoring pass = `TrainingSession.score(indices, 'gnorm')` over 1024 training samples (the
 *   reference's forward_batch_size): an inference-mode forward pass with each sample's loss and
 *   gradient-norm bound; its bound is the forward products at 1024 rows.
 * - scoring : training = the scoring pass per sample against a training step per sample, at the
 *   training batch size (importance sampling's cost model assumes 1 : 3).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  gemmFlops, inferenceGemms, openWorkload, referenceWorkload, trainingGemms, type GemmShape, type ReferenceConfig,
  type ReferenceWorkload, type WorkloadSession, workloadInputDtype,
} from '../src/bench/reference-workloads';
import { buildModel } from '../src/models/build';
import { saveModelFiles } from '../src/models/model-file';
import { openModelSource } from '../src/models/model-source';
import { Rng } from '../src/rng';
import { loadNativeAddon, type NativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels, nativeKernelsUnavailableReason, type NativeKernelStatus } from '../src/engine/native';

type Engine = 'cpu' | 'wasm' | 'wasm + native, tfjs step' | 'wasm + native, planned step';

const SCORING_ROWS = 1024;
const MODELS: Record<string, ReferenceConfig> = { mlp: 'mnist-mlp', cnn: 'mnist-cnn', reuters: 'reuters-mlp', imdb: 'imdb-fasttext' };

interface Options {
  quick: boolean;
  cpuSteps: number;
  /** Batch size for the CNN on cpu (a batch-128 step takes minutes there); samples/s scale with it linearly. */
  cpuCnnBatch: number;
  models: ReferenceConfig[];
  cpu: boolean;
  /** Only the loaded model.json against the layer list (a short run). */
  loadedOnly: boolean;
}

interface EngineResult {
  engine: Engine;
  batch: number;
  /** Median training step, ms; undefined when the engine cannot train the model. */
  stepMs?: number;
  /** Median scoring pass at the training batch size, per sample, over the step per sample. */
  scoreToTrain?: number;
  failure?: string;
}

interface PairResult {
  tfjs: EngineResult;
  planned: EngineResult;
  /** Median over blocks of planned / tfjs step time (paired). */
  ratio: number;
  /** The planned step against its sgemm bound in alternating blocks (when the addon has sgemm). */
  bound?: PairedBound;
}

/**
 * A step against its sgemm bound in alternating blocks: a block of the bound times every product of
 * the step `perBlock` times and sums the products' medians (the bound's definition), a block of the
 * step takes the median of `perBlock` steps; both medians over blocks and the median of the paired
 * ratios step / bound. The machine's speed drifts (on the VMs measured here, by 2x within seconds),
 * so a median step over a best-of-two sgemm mixes two moments; the paired ratio compares like with like.
 */
interface PairedBound {
  boundMs: number;
  stepMs: number;
  ratio: number;
}

function parseOptions(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const cpuSteps = Number(value('--cpu-steps') ?? (quick ? 1 : 3));
  if (!Number.isInteger(cpuSteps) || cpuSteps < 1) throw new Error('--cpu-steps needs a positive integer');
  const cpuCnnBatch = Number(value('--cpu-cnn-batch') ?? 8);
  if (!Number.isInteger(cpuCnnBatch) || cpuCnnBatch < 1) throw new Error('--cpu-cnn-batch needs a positive integer');
  const names = (value('--models') ?? 'mlp,cnn,reuters,imdb').split(',');
  const unknown = names.filter((n) => !(n in MODELS));
  if (unknown.length > 0) throw new Error(`--models: unknown ${unknown.join(', ')} (mlp, cnn, reuters, imdb)`);
  return { quick, cpuSteps, cpuCnnBatch, models: names.map((n) => MODELS[n]), cpu: !argv.includes('--no-cpu'), loadedOnly: argv.includes('--loaded-only') };
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

async function useEngine(engine: 'cpu' | 'wasm' | 'native'): Promise<NativeKernelStatus | null> {
  disableNativeKernels();
  await tf.setBackend(engine === 'cpu' ? 'cpu' : 'wasm');
  return engine === 'native' ? enableNativeKernels() : null;
}

function failure(e: unknown): string {
  const missing = /Kernel '(\w+)' not registered/.exec((e as Error).message);
  return missing ? `cannot train: no ${missing[1]} kernel` : `fails: ${(e as Error).message.split('\n')[0]}`;
}

/** cpu or stock wasm: median step and scoring at the training batch. */
async function measure(model: ReferenceWorkload, engine: 'cpu' | 'wasm', opts: Options): Promise<EngineResult> {
  if (engine === 'cpu' && model.name === 'MNIST CNN') model = { ...model, batch: opts.cpuCnnBatch };
  const batch = model.batch;
  await useEngine(engine);
  const { session, indices, dispose } = openWorkload(model, `bench/${model.name}`);
  try {
    try {
      session.trainStep(indices, null);
    } catch (e) {
      return { engine, batch, failure: failure(e) };
    }
    const slow = engine === 'cpu';
    const stepMs = timeMedian(() => session.trainStep(indices, null), slow ? 0 : 2, slow ? opts.cpuSteps : 5, opts.quick || slow ? 0 : 3);
    const scoreMs = timeMedian(() => session.score(indices, 'loss'), 1, slow ? opts.cpuSteps : 5, opts.quick || slow ? 0 : 1);
    return { engine, batch, stepMs, scoreToTrain: scoreMs / stepMs };
  } finally {
    dispose();
  }
}

/**
 * Alternating blocks of `a` and `b` (a first, then b first, and so on), each block the median of
 * `perBlock` calls; returns both medians of the block medians and the median of the paired ratios b / a.
 */
function pairedBlocks(a: () => void, b: () => void, blocks: number, perBlock: number): { a: number; b: number; ratio: number } {
  const ta: number[] = [];
  const tb: number[] = [];
  const block = (f: () => void) => {
    const times: number[] = [];
    for (let i = 0; i < perBlock; i++) {
      const t0 = performance.now();
      f();
      times.push(performance.now() - t0);
    }
    return median(times);
  };
  for (let i = 0; i < blocks; i++) {
    if (i % 2 === 0) {
      ta.push(block(a));
      tb.push(block(b));
    } else {
      tb.push(block(b));
      ta.push(block(a));
    }
  }
  return { a: median(ta), b: median(tb), ratio: median(tb.map((v, i) => v / ta[i])) };
}

/** Blocks and calls per block for a step of about `ms`: a few seconds per model in all. */
function blocking(ms: number, quick: boolean): { blocks: number; perBlock: number } {
  const perBlock = Math.max(3, Math.min(25, Math.round(60 / ms)));
  return { blocks: quick ? 4 : 12, perBlock: quick ? Math.max(2, Math.round(perBlock / 3)) : perBlock };
}

/** tfjs's step and the planned step over the native kernels, in alternating blocks; then the planned step against its sgemm bound. */
function measurePair(model: ReferenceWorkload, opts: Options, addon: NativeAddon | null, gemms: GemmShape[]): PairResult {
  const open = (planned: boolean) => openWorkload(model, `bench/${model.name}`, { planned });
  const sessions: WorkloadSession[] = [open(false), open(true)];
  try {
    const [tfjs, planned] = sessions;
    const step = (w: WorkloadSession) => () => w.session.trainStep(w.indices, null);
    const score = (w: WorkloadSession) => () => w.session.score(w.indices, 'loss');
    for (let i = 0; i < 3; i++) sessions.forEach((w) => step(w)());
    const { blocks, perBlock } = blocking(timeMedian(step(tfjs), 0, 3, 0), opts.quick);
    const steps = pairedBlocks(step(tfjs), step(planned), blocks, perBlock);
    const scores = pairedBlocks(score(tfjs), score(planned), Math.max(4, blocks / 2), perBlock);
    const result = (engine: Engine, stepMs: number, scoreMs: number): EngineResult => ({ engine, batch: model.batch, stepMs, scoreToTrain: scoreMs / stepMs });
    return {
      tfjs: result('wasm + native, tfjs step', steps.a, scores.a),
      planned: result('wasm + native, planned step', steps.b, scores.b),
      ratio: steps.ratio,
      ...(addon ? { bound: pairedBound(addon, gemms, step(planned), opts) } : {}),
    };
  } finally {
    sessions.forEach((w) => w.dispose());
  }
}

interface LoadedResult {
  layersMs: number;
  loadedMs: number;
  /** Loaded / layer-list step time: the geometric mean of the paired ratios in both opening orders. */
  ratio: number;
  /** Whether both ran the planned step (a loaded sequential stack is planned like its layer list). */
  planned: boolean;
}

/**
 * The model saved as a model.json and loaded back (src/models/model-file.ts, user-model.ts) against
 * the same architecture from its layer list, on the current engine, in alternating blocks.
 */
async function measureLoaded(model: ReferenceWorkload, opts: Options): Promise<LoadedResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'isb-bench-model-'));
  const dtype = workloadInputDtype(model.data);
  const original = buildModel(model.layers, { inputShape: model.data.inputShape, inputDtype: dtype, vocabSize: model.data.vocabSize, seed: model.seed, dropoutRng: new Rng('save') });
  const binary = model.data.labelKind === 'binary';
  try {
    const source = await openModelSource({ path: await saveModelFiles(original.display, dir), initialWeights: 'file' }, {
      sampleShape: original.inputShape,
      inputDtype: dtype,
      vocabSize: model.data.vocabSize,
      numClasses: model.data.numClasses,
      outputUnits: binary ? 1 : model.data.numClasses,
      outputActivation: binary ? 'sigmoid' : 'softmax',
      logits: true,
      seed: model.seed,
    });
    // Timed in both opening orders: on this engine the session opened second steps faster (an
    // order effect of the same size as any difference here), so each order's paired ratio is
    // measured and their geometric mean reported.
    const once = (loadedFirst: boolean) => {
      const layers = () => openWorkload(model, `bench/${model.name}/loaded`);
      const loaded = () => openWorkload(model, `bench/${model.name}/loaded`, { build: source.build });
      const [first, second] = loadedFirst ? [loaded(), layers()] : [layers(), loaded()];
      const [l, m] = loadedFirst ? [second, first] : [first, second];
      try {
        const step = (w: WorkloadSession) => () => w.session.trainStep(w.indices, null);
        for (let i = 0; i < 3; i++) [l, m].forEach((w) => step(w)());
        const { blocks, perBlock } = blocking(timeMedian(step(l), 0, 3, 0), opts.quick);
        const r = pairedBlocks(step(l), step(m), blocks, perBlock);
        const planned = [l, m].every((w) => (w.session as unknown as { planned?: unknown }).planned != null);
        return { ...r, planned };
      } finally {
        [first, second].forEach((w) => w.dispose());
      }
    };
    try {
      const a = once(false);
      const b = once(true);
      return { layersMs: median([a.a, b.a]), loadedMs: median([a.b, b.b]), ratio: Math.sqrt(a.ratio * b.ratio), planned: a.planned && b.planned };
    } finally {
      source.dispose();
    }
  } finally {
    original.logits.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function loadedReport(model: ReferenceWorkload, engine: string, r: LoadedResult): string[] {
  return [
    `### ${model.name}: a loaded model.json against the same layer list (${engine}${r.planned ? ', both planned' : ''})`,
    '',
    '| model | batch | layer list ms/step | model.json ms/step | model.json / layer list (paired, both orders) |',
    '|---|---:|---:|---:|---:|',
    `| ${model.name} | ${model.batch} | ${fmt(r.layersMs, 2)} | ${fmt(r.loadedMs, 2)} | ${r.ratio.toFixed(3)} |`,
  ];
}

interface ScoringResult {
  tfjsMs: number;
  plannedMs: number;
  ratio: number;
  /** The planned scoring pass against its forward products' sgemm sequence, in alternating blocks. */
  bound?: PairedBound;
}

/** The scoring pass over SCORING_ROWS samples: tfjs's and the planned one, in alternating blocks. */
function measureScoring(model: ReferenceWorkload, opts: Options, addon: NativeAddon | null, gemms: GemmShape[]): ScoringResult {
  const open = (planned: boolean) => openWorkload(model, `bench/${model.name}/scoring`, { planned, samples: SCORING_ROWS });
  const sessions = [open(false), open(true)];
  try {
    const score = (w: WorkloadSession) => () => w.session.score(w.indices, 'gnorm');
    sessions.forEach((w) => score(w)());
    const { blocks, perBlock } = blocking(timeMedian(score(sessions[0]), 0, 2, 0), opts.quick);
    const r = pairedBlocks(score(sessions[0]), score(sessions[1]), Math.max(4, blocks / 2), Math.max(2, Math.round(perBlock / 2)));
    return { tfjsMs: r.a, plannedMs: r.b, ratio: r.ratio, ...(addon ? { bound: pairedBound(addon, gemms, score(sessions[1]), opts) } : {}) };
  } finally {
    sessions.forEach((w) => w.dispose());
  }
}

interface SgemmResult {
  flops: number;
  boundMs: number;
  rows: { gemm: GemmShape; ms: number; gflops: number }[];
}

/**
 * Waits for OpenBLAS's own worker threads to park: after a threaded sgemm they spin for a while
 * (OpenBLAS's thread timeout), and would take the second core from whatever is measured next.
 */
function letOpenBlasPark(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
}

/** OpenBLAS sgemm at each product, on plain memory. */
function measureSgemm(addon: NativeAddon, gemms: GemmShape[], quick: boolean): SgemmResult {
  const rows = gemms.map((gemm) => {
    const { m, n, k } = gemm;
    const heap = new ArrayBuffer(4 * (m * k + k * n + m * n));
    const values = new Float32Array(heap);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i);
    const ms = timeMedian(() => addon.sgemm(heap, gemm.transA, gemm.transB, m, n, k, 0, 4 * m * k, 4 * (m * k + k * n)), 3, 5, quick ? 0.1 : 0.3);
    return { gemm, ms, gflops: (2 * m * n * k) / ms / 1e6 };
  });
  letOpenBlasPark();
  return { flops: gemmFlops(gemms), boundMs: rows.reduce((s, r) => s + r.ms, 0), rows };
}

/** `f` against the sgemm bound of `gemms`, in alternating blocks (OpenBLAS's threads parked after each block of the bound). */
function pairedBound(addon: NativeAddon, gemms: GemmShape[], f: () => void, opts: Options): PairedBound {
  const products = gemms.map(({ m, n, k, transA, transB }) => {
    const heap = new ArrayBuffer(4 * (m * k + k * n + m * n));
    const values = new Float32Array(heap);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i);
    return () => addon.sgemm(heap, transA, transB, m, n, k, 0, 4 * m * k, 4 * (m * k + k * n));
  });
  const { blocks, perBlock } = blocking(timeMedian(f, 0, 3, 0), opts.quick);
  const runs = (g: () => void) => timeMedian(g, 1, perBlock, 0, perBlock);
  const boundBlock = () => {
    const ms = products.reduce((sum, product) => sum + runs(product), 0);
    letOpenBlasPark();
    return ms;
  };
  const bound: number[] = [];
  const step: number[] = [];
  for (let i = 0; i < blocks; i++) {
    if (i % 2 === 0) {
      bound.push(boundBlock());
      step.push(runs(f));
    } else {
      step.push(runs(f));
      bound.push(boundBlock());
    }
  }
  return { boundMs: median(bound), stepMs: median(step), ratio: median(step.map((v, i) => v / bound[i])) };
}

/** Per product, the faster of two measurements. */
function fasterSgemm(a: SgemmResult, b: SgemmResult): SgemmResult {
  const rows = a.rows.map((row, i) => (row.gflops >= b.rows[i].gflops ? row : b.rows[i]));
  return { flops: a.flops, boundMs: rows.reduce((s, r) => s + r.ms, 0), rows };
}

const fmt = (v: number, digits = 1) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));
const ratio = (v: number) => (v >= 10 ? `${v.toFixed(0)}x` : `${v.toFixed(2)}x`);
const loadLine = () => `load average ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`;

interface Outcome {
  model: ReferenceWorkload;
  results: EngineResult[];
  pair?: PairResult;
  sgemm?: SgemmResult;
  scoring?: ScoringResult;
  scoringSgemm?: SgemmResult;
  loaded?: LoadedResult;
}

function report(o: Outcome): string[] {
  const { model, results, sgemm } = o;
  const samples = (r?: EngineResult) => (r?.stepMs ? (r.batch * 1000) / r.stepMs : undefined);
  const cpu = samples(results.find((r) => r.engine === 'cpu'));
  const wasm = samples(results.find((r) => r.engine === 'wasm'));
  // Every product's FLOPs grow linearly with the batch, so FLOPs per sample hold at any batch.
  const flopsPerSample = sgemm ? sgemm.flops / model.batch : NaN;
  const sgemmGflops = sgemm ? sgemm.flops / sgemm.boundMs / 1e6 : NaN;
  const title = sgemm ? `### ${model.name} (${fmt(sgemm.flops / 1e6)} MFLOP of sgemm per batch-${model.batch} step)` : `### ${model.name}`;
  const lines = [
    title,
    '',
    '| engine | batch | step ms | samples/s | vs cpu | vs wasm | training GFLOP/s | x bound | scoring : training per sample |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const s = samples(r);
    if (!s || !r.stepMs) {
      lines.push(`| ${r.engine} | ${r.batch} | — | — | — | — | — | — | ${r.failure ?? ''} |`);
      continue;
    }
    const gflops = (flopsPerSample * s) / 1e9;
    const bound = sgemm ? ((r.stepMs * model.batch) / r.batch) / sgemm.boundMs : NaN;
    lines.push(`| ${r.engine} | ${r.batch} | ${fmt(r.stepMs, 2)} | ${fmt(s)} | ${cpu ? ratio(s / cpu) : '—'} | ${wasm ? ratio(s / wasm) : '—'} | ` +
      `${sgemm ? fmt(gflops, 2) : '—'} | ${sgemm ? ratio(bound) : '—'} | 1 : ${(1 / (r.scoreToTrain ?? NaN)).toFixed(1)} |`);
  }
  if (o.pair) lines.push('', `planned / tfjs step, median of paired blocks: ${o.pair.ratio.toFixed(3)}.`);
  const b = o.pair?.bound;
  if (b) {
    lines.push('', `planned step against its sgemm bound in alternating blocks: ${fmt(b.stepMs, 2)} ms against ${fmt(b.boundMs, 3)} ms, ` +
      `median of the paired ratios ${ratio(b.ratio)} (efficiency ${(1 / b.ratio).toFixed(2)}).`);
  }
  if (sgemm) {
    lines.push('', `sgemm at the step's shapes: ${fmt(sgemmGflops)} GFLOP/s, a bound of ${fmt(sgemm.boundMs, 3)} ms per step.`);
    lines.push('', '| product | m x n x k (op) | sgemm GFLOP/s |', '|---|---|---:|');
    for (const { gemm, gflops: g } of sgemm.rows) {
      lines.push(`| ${gemm.role} | ${gemm.m} x ${gemm.n} x ${gemm.k} (${gemm.transA ? 'T' : 'N'}${gemm.transB ? 'T' : 'N'}) | ${fmt(g)} |`);
    }
  }
  return lines;
}

function scoringReport(outcomes: Outcome[]): string[] {
  const lines = [
    `### Scoring pass, ${SCORING_ROWS} rows (score(indices, 'gnorm'): forward, loss and gradient-norm bound)`,
    '',
    '| model | tfjs ms | planned ms | planned / tfjs (paired) | forward sgemm bound ms | sgemm efficiency, planned | paired with its bound: planned ms, bound ms, efficiency |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const o of outcomes) {
    if (!o.scoring) continue;
    const bound = o.scoringSgemm?.boundMs;
    const b = o.scoring.bound;
    lines.push(`| ${o.model.name} | ${fmt(o.scoring.tfjsMs, 2)} | ${fmt(o.scoring.plannedMs, 2)} | ${o.scoring.ratio.toFixed(3)} | ` +
      `${bound !== undefined ? fmt(bound, 3) : '—'} | ${bound !== undefined ? (bound / o.scoring.plannedMs).toFixed(2) : '—'} | ` +
      `${b ? `${fmt(b.stepMs, 2)}, ${fmt(b.boundMs, 3)}, ${(1 / b.ratio).toFixed(2)}` : '—'} |`);
  }
  return lines;
}

/** Issue 17's targets for this machine, met or not. */
function targets(outcomes: Outcome[]): string[] {
  const find = (name: string) => outcomes.find((o) => o.model.name === name);
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const lines = [
    '### Targets',
    '',
    'Measured as the median of paired ratios against the sgemm bound in alternating blocks; in brackets, the median step over',
    'the faster of the two sgemm measurements in the tables above (two moments of a machine whose speed drifts).',
    '',
    '| target | measured | |',
    '|---|---:|---|',
  ];
  const bound = (name: string, limit: number) => {
    const o = find(name);
    if (!o?.pair?.planned.stepMs || !o.sgemm) return;
    const unpaired = o.pair.planned.stepMs / o.sgemm.boundMs;
    const x = o.pair.bound?.ratio ?? unpaired;
    lines.push(`| ${name} step within ${limit}x of its sgemm bound | ${ratio(x)} (${ratio(unpaired)}) | ${check(x <= limit)} |`);
  };
  bound('MNIST MLP', 1.5);
  bound('MNIST CNN', 1.4);
  bound('Reuters MLP', 3);
  const imdb = find('IMDB FastText');
  if (imdb?.pair) {
    const faster = 1 / imdb.pair.ratio;
    lines.push(`| IMDB FastText step at least 2x faster than tfjs's step (paired) | ${ratio(faster)} | ${check(faster >= 2)} |`);
  }
  const mlp = find('MNIST MLP');
  if (mlp?.scoring && mlp.scoringSgemm) {
    const unpaired = mlp.scoringSgemm.boundMs / mlp.scoring.plannedMs;
    const eff = mlp.scoring.bound ? 1 / mlp.scoring.bound.ratio : unpaired;
    lines.push(`| MNIST MLP scoring pass at ${SCORING_ROWS} rows at >= 0.7 of sgemm speed | ${eff.toFixed(2)} (${unpaired.toFixed(2)}) | ${check(eff >= 0.7)} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  // As the product does (selectBackend): no tfjs console banners in the report.
  tf.enableProdMode();
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  const { addon } = loadNativeAddon();
  await tf.setBackend('wasm');
  const status = enableNativeKernels();
  disableNativeKernels();

  console.log([
    '## Engine benchmark',
    '',
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, tfjs ${tf.version.tfjs}; ` +
      (status ? `native kernels: ${status.blas}, ${status.threads} thread${status.threads === 1 ? '' : 's'}` : `native kernels not used (${nativeKernelsUnavailableReason()})`) +
      `. Synthetic inputs of the datasets' shapes; medians of repeated steps${opts.quick ? ' (--quick)' : ''}. At the start: ${loadLine()}.`,
    '',
  ].join('\n'));

  if (opts.loadedOnly) {
    await useEngine(status ? 'native' : 'wasm');
    for (const config of opts.models) {
      const model = referenceWorkload(config);
      console.log([...loadedReport(model, status ? 'wasm + native kernels' : 'stock wasm', await measureLoaded(model, opts)), ''].join('\n'));
    }
    disableNativeKernels();
    return;
  }
  const outcomes: Outcome[] = [];
  for (const config of opts.models) {
    const model = referenceWorkload(config);
    const gemms = trainingGemms(model.layers, model.data.inputShape, model.batch);
    const scoringGemms = inferenceGemms(model.layers, model.data.inputShape, SCORING_ROWS);
    // sgemm is measured before and after the engines and the faster is kept: other load on the
    // machine only ever slows it, and a slow sgemm would flatter the engines.
    const sgemmBefore = addon ? [measureSgemm(addon, gemms, opts.quick), measureSgemm(addon, scoringGemms, opts.quick)] : null;
    const results: EngineResult[] = [];
    // IMDB skips cpu: tfjs's cpu UnsortedSegmentSum (the embedding gradient) runs one masked sum per
    // vocabulary entry, 20000 per step.
    if (opts.cpu && config !== 'imdb-fasttext') results.push(await measure(model, 'cpu', opts));
    results.push(await measure(model, 'wasm', opts));
    const outcome: Outcome = { model, results };
    if (status) {
      await useEngine('native');
      outcome.pair = measurePair(model, opts, addon, gemms);
      results.push(outcome.pair.tfjs, outcome.pair.planned);
      outcome.scoring = measureScoring(model, opts, addon, scoringGemms);
      outcome.loaded = await measureLoaded(model, opts);
    }
    if (addon && sgemmBefore) {
      outcome.sgemm = fasterSgemm(sgemmBefore[0], measureSgemm(addon, gemms, opts.quick));
      outcome.scoringSgemm = fasterSgemm(sgemmBefore[1], measureSgemm(addon, scoringGemms, opts.quick));
    }
    outcomes.push(outcome);
    console.log([...report(outcome), ''].join('\n'));
    if (outcome.loaded) console.log([...loadedReport(model, 'wasm + native kernels', outcome.loaded), ''].join('\n'));
  }
  if (status) console.log([...scoringReport(outcomes), '', ...targets(outcomes), '', `At the end: ${loadLine()}.`].join('\n'));
  disableNativeKernels();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
