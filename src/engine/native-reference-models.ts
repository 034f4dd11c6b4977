import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { createOptimizer } from '../train/optimizer';
import { SeededDropout } from '../models/seeded-dropout';

/**
 * The four reference models of the issue-7 engine work, at configurable sizes, with synthetic
 * inputs of the right shape (no dataset needed) and the matrix products one training step costs.
 * Used by scripts/bench-engine.ts and the native-kernel tests; the product's own models live in
 * src/models.
 */

/** One sgemm of a training step: C (m x n) = op(A) op(B) with inner dimension k. */
export interface GemmShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** What it computes, e.g. "dense1 forward". */
  role: string;
}

export interface ReferenceModel {
  name: string;
  batch: number;
  /** 'categorical' (softmax + one-hot labels) or 'binary' (sigmoid + 0/1 labels). */
  loss: 'categorical' | 'binary';
  build(): tf.Sequential;
  optimizer(): tf.Optimizer;
  /** A synthetic batch: inputs of the model's shape and random labels. */
  makeBatch(rng: Rng, n: number): { x: tf.Tensor; y: tf.Tensor };
  /** The sgemms of one training step at batch size `batch` (forward, filter/weight and input gradients). */
  gemms(batch: number): GemmShape[];
}

/** Per-sample loss of predictions `p` (after the output activation) against labels `y`. */
export function perSampleLoss(model: ReferenceModel, y: tf.Tensor, p: tf.Tensor): tf.Tensor1D {
  return (model.loss === 'categorical'
    ? tf.metrics.categoricalCrossentropy(y, p)
    : tf.reshape(tf.metrics.binaryCrossentropy(y, p), [-1])) as tf.Tensor1D;
}

/** One optimizer step on the mean loss, as the training loop takes it; returns the loss. */
export function trainStep(model: ReferenceModel, net: tf.Sequential, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): number {
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const cost = optimizer.minimize(() => tf.mean(perSampleLoss(model, y, net.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true, vars);
  const value = cost!.dataSync()[0];
  cost!.dispose();
  return value;
}

/** Inference-mode per-sample losses (the scoring pass of importance sampling). */
export function scoreBatch(model: ReferenceModel, net: tf.Sequential, x: tf.Tensor, y: tf.Tensor): Float32Array {
  const losses = tf.tidy(() => perSampleLoss(model, y, net.apply(x, { training: false }) as tf.Tensor));
  const values = losses.dataSync() as Float32Array;
  losses.dispose();
  return values;
}

function uniform(rng: Rng, n: number, low = 0, high = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = low + (high - low) * rng.next();
  return v;
}

function oneHotLabels(rng: Rng, n: number, classes: number): tf.Tensor2D {
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(classes);
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat() as tf.Tensor2D);
}

/**
 * The sgemms of a stack of dense layers (sizes: input, then units per layer). The network's input
 * needs no gradient and tfjs computes none, so a stack that starts the network skips that one.
 */
function denseGemms(batch: number, sizes: number[], startsNetwork = true): GemmShape[] {
  const out: GemmShape[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const [inp, units] = [sizes[i], sizes[i + 1]];
    const name = `dense ${inp}->${units}`;
    out.push({ m: batch, n: units, k: inp, transA: false, transB: false, role: `${name} forward` });
    out.push({ m: inp, n: units, k: batch, transA: true, transB: false, role: `${name} weight gradient` });
    if (i > 0 || !startsNetwork) out.push({ m: batch, n: inp, k: units, transA: false, transB: true, role: `${name} input gradient` });
  }
  return out;
}

/** The im2col sgemms of a stride-1 valid 3x3 conv layer as native/src/kernels.cc runs them. */
function convGemms(batch: number, outHW: number, depth: number, filters: number, first: boolean, name: string): GemmShape[] {
  const rows = batch * outHW * outHW;
  const out: GemmShape[] = [
    { m: rows, n: filters, k: depth, transA: false, transB: false, role: `${name} forward` },
    { m: filters, n: depth, k: rows, transA: true, transB: false, role: `${name} filter gradient` },
  ];
  if (!first) out.push({ m: rows, n: depth, k: filters, transA: false, transB: true, role: `${name} input gradient` });
  return out;
}

const SEED = 7;

/**
 * Dropout as the product's models use it: a fresh mask per step from a seeded stream (the same
 * stream on every backend, so loss curves compare across backends).
 */
function dropout(rate: number, seed: number): tf.layers.Layer {
  return new SeededDropout({ rate, rng: new Rng(`reference dropout ${seed}`) });
}

function glorot(seed: number) {
  return tf.initializers.glorotUniform({ seed });
}

/** Keras' mnist_mlp: 784-512-512-10, relu, dropout 0.2, RMSprop. */
export function mnistMlp(opts: { hidden?: number; batch?: number; dropout?: number } = {}): ReferenceModel {
  const hidden = opts.hidden ?? 512;
  const rate = opts.dropout ?? 0.2;
  const model: ReferenceModel = {
    name: 'MNIST MLP',
    batch: opts.batch ?? 128,
    loss: 'categorical',
    build() {
      const net = tf.sequential();
      net.add(tf.layers.dense({ units: hidden, activation: 'relu', inputShape: [784], kernelInitializer: glorot(SEED) }));
      net.add(dropout(rate, SEED + 1));
      net.add(tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: glorot(SEED + 2) }));
      net.add(dropout(rate, SEED + 3));
      net.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(SEED + 4) }));
      return net;
    },
    optimizer: () => createOptimizer({ name: 'rmsprop', learningRate: 0.001 }),
    makeBatch: (rng, n) => ({ x: tf.tensor2d(uniform(rng, n * 784), [n, 784]), y: oneHotLabels(rng, n, 10) }),
    gemms: (batch) => denseGemms(batch, [784, hidden, hidden, 10]),
  };
  return model;
}

/** Keras' mnist_cnn: conv32-conv64 (3x3 relu)-maxpool 2-dropout 0.25-dense128-dropout 0.5-dense10, Adadelta. */
export function mnistCnn(opts: { filters1?: number; filters2?: number; dense?: number; batch?: number; learningRate?: number } = {}): ReferenceModel {
  const f1 = opts.filters1 ?? 32;
  const f2 = opts.filters2 ?? 64;
  const dense = opts.dense ?? 128;
  return {
    name: 'MNIST CNN',
    batch: opts.batch ?? 128,
    loss: 'categorical',
    build() {
      const net = tf.sequential();
      net.add(tf.layers.conv2d({ filters: f1, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1], kernelInitializer: glorot(SEED) }));
      net.add(tf.layers.conv2d({ filters: f2, kernelSize: 3, activation: 'relu', kernelInitializer: glorot(SEED + 1) }));
      net.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      net.add(dropout(0.25, SEED + 2));
      net.add(tf.layers.flatten());
      net.add(tf.layers.dense({ units: dense, activation: 'relu', kernelInitializer: glorot(SEED + 3) }));
      net.add(dropout(0.5, SEED + 4));
      net.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: glorot(SEED + 5) }));
      return net;
    },
    optimizer: () => tf.train.adadelta(opts.learningRate ?? 1.0, 0.95, 1e-7),
    makeBatch: (rng, n) => ({ x: tf.tensor4d(uniform(rng, n * 784), [n, 28, 28, 1]), y: oneHotLabels(rng, n, 10) }),
    gemms: (batch) => [
      ...convGemms(batch, 26, 9, f1, true, 'conv1'),
      ...convGemms(batch, 24, 9 * f1, f2, false, 'conv2'),
      ...denseGemms(batch, [12 * 12 * f2, dense, 10], false),
    ],
  };
}

/** Keras' reuters_mlp: 1000-512-46, relu, dropout 0.5, Adam. */
export function reutersMlp(opts: { words?: number; hidden?: number; batch?: number } = {}): ReferenceModel {
  const words = opts.words ?? 1000;
  const hidden = opts.hidden ?? 512;
  return {
    name: 'Reuters MLP',
    batch: opts.batch ?? 32,
    loss: 'categorical',
    build() {
      const net = tf.sequential();
      net.add(tf.layers.dense({ units: hidden, activation: 'relu', inputShape: [words], kernelInitializer: glorot(SEED) }));
      net.add(dropout(0.5, SEED + 1));
      net.add(tf.layers.dense({ units: 46, activation: 'softmax', kernelInitializer: glorot(SEED + 2) }));
      return net;
    },
    optimizer: () => createOptimizer({ name: 'adam', learningRate: 0.001 }),
    makeBatch: (rng, n) => {
      const x = uniform(rng, n * words).map((v) => (v < 0.05 ? 1 : 0));
      return { x: tf.tensor2d(x, [n, words]), y: oneHotLabels(rng, n, 46) };
    },
    gemms: (batch) => denseGemms(batch, [words, hidden, 46]),
  };
}

/** Keras' imdb_fasttext: Embedding(20000, 50)-GlobalAveragePooling1D-Dense(1, sigmoid), Adam, maxlen 400. */
export function imdbFastText(opts: { vocab?: number; dim?: number; maxlen?: number; batch?: number } = {}): ReferenceModel {
  const vocab = opts.vocab ?? 20000;
  const dim = opts.dim ?? 50;
  const maxlen = opts.maxlen ?? 400;
  return {
    name: 'IMDB FastText',
    batch: opts.batch ?? 32,
    loss: 'binary',
    build() {
      const net = tf.sequential();
      net.add(tf.layers.embedding({
        inputDim: vocab, outputDim: dim, inputLength: maxlen,
        embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: SEED }),
      }));
      net.add(tf.layers.globalAveragePooling1d());
      net.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: glorot(SEED + 1) }));
      return net;
    },
    optimizer: () => createOptimizer({ name: 'adam', learningRate: 0.001 }),
    makeBatch: (rng, n) => {
      const ids = new Float32Array(n * maxlen);
      for (let i = 0; i < ids.length; i++) ids[i] = rng.int(vocab);
      const labels = new Float32Array(n);
      for (let i = 0; i < n; i++) labels[i] = rng.int(2);
      return { x: tf.tensor2d(ids, [n, maxlen]), y: tf.tensor2d(labels, [n, 1]) };
    },
    gemms: (batch) => denseGemms(batch, [dim, 1]),
  };
}
