import * as tf from '@tensorflow/tfjs';
import {
  ADAM_UPDATE_KERNEL, DROPOUT_KERNEL, RMSPROP_UPDATE_KERNEL, type AdamUpdateAttrs, type DropoutAttrs, type RmspropUpdateAttrs,
} from './kernel-names';
import { BiasMode, FusedActivationCode, type NativeAddon } from './native-addon';

/**
 * tfjs kernel functions for the wasm backend that run in the native addon, in place on the wasm
 * heap. Each reads its operands' heap offsets from the backend, allocates its output the way the
 * wasm kernels do (`makeOutput`), then passes the heap's ArrayBuffer and the offsets to the addon.
 * The heap is looked up after the last allocation because an allocation can grow (and so replace)
 * it. Inputs a kernel does not handle (other dtypes or layouts, prelu) go to the kernel it
 * replaced, when there is one.
 */

type TensorInfo = tf.TensorInfo;
type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

export interface NativeKernelFactoryContext {
  addon: NativeAddon;
  /** The wasm kernel this one replaces, if wasm has one. */
  original?: tf.KernelConfig;
}

type Factory = (ctx: NativeKernelFactoryContext) => tf.KernelFunc;

function wasmBackend(args: KernelArgs): WasmBackendLike {
  return args.backend as unknown as WasmBackendLike;
}

function offsetOf(backend: WasmBackendLike, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('native kernels: tensor is not on the wasm backend');
  return data.memoryOffset;
}

function heapOf(backend: WasmBackendLike): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

function delegate(name: string, ctx: NativeKernelFactoryContext, args: KernelArgs, why: string): TensorInfo {
  if (!ctx.original) throw new Error(`native ${name}: ${why} is not supported, and the wasm backend has no ${name} kernel`);
  return ctx.original.kernelFunc(args) as TensorInfo;
}

const ACTIVATIONS: Record<string, FusedActivationCode> = {
  linear: FusedActivationCode.Linear,
  relu: FusedActivationCode.Relu,
  relu6: FusedActivationCode.Relu6,
  elu: FusedActivationCode.Elu,
  leakyrelu: FusedActivationCode.LeakyRelu,
  sigmoid: FusedActivationCode.Sigmoid,
};

/** How a bias of `shape` broadcasts onto an output of `outShape`, or undefined if not supported. */
export function biasModeFor(shape: number[], outShape: number[]): BiasMode | undefined {
  const size = tf.util.sizeFromShape(shape);
  const last = outShape[outShape.length - 1];
  if (size === 1) return BiasMode.Scalar;
  if (shape.length <= outShape.length && shape[shape.length - 1] === last && size === last) return BiasMode.PerColumn;
  if (tf.util.arraysEqual(shape, outShape)) return BiasMode.Full;
  return undefined;
}

interface Epilogue {
  bias: number;
  mode: BiasMode;
  activation: FusedActivationCode;
  alpha: number;
}

/** Bias + activation arguments for the addon, or a reason they are not supported. */
function epilogueFor(
  backend: WasmBackendLike,
  inputs: { bias?: TensorInfo; preluActivationWeights?: TensorInfo },
  attrs: { activation?: string; leakyreluAlpha?: number },
  outShape: number[],
): Epilogue | string {
  const activation = ACTIVATIONS[attrs.activation ?? 'linear'];
  if (activation === undefined) return `activation '${attrs.activation}'`;
  if (inputs.preluActivationWeights != null) return 'prelu';
  if (inputs.bias == null) return { bias: -1, mode: BiasMode.None, activation, alpha: attrs.leakyreluAlpha ?? 0.2 };
  if (inputs.bias.dtype !== 'float32') return `a ${inputs.bias.dtype} bias`;
  const mode = biasModeFor(inputs.bias.shape, outShape);
  if (mode === undefined) return `a bias of shape [${inputs.bias.shape}]`;
  return { bias: offsetOf(backend, inputs.bias), mode, activation, alpha: attrs.leakyreluAlpha ?? 0.2 };
}

/** Shapes of a batched matmul as tfjs defines it (batch dims broadcast). */
export interface MatMulPlan {
  outShape: number[];
  batch: number;
  aBatches: number;
  bBatches: number;
  /** Per output batch, which A / B matrix it reads; null when that is i (or 0 for a single matrix). */
  aIndex: Int32Array | null;
  bIndex: Int32Array | null;
  m: number;
  n: number;
  k: number;
}

export function planMatMul(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulPlan {
  const aRank = aShape.length;
  const bRank = bShape.length;
  if (aRank < 2 || bRank < 2) throw new Error(`matMul needs rank >= 2 operands, got [${aShape}] and [${bShape}]`);
  const m = transposeA ? aShape[aRank - 1] : aShape[aRank - 2];
  const kA = transposeA ? aShape[aRank - 2] : aShape[aRank - 1];
  const kB = transposeB ? bShape[bRank - 1] : bShape[bRank - 2];
  const n = transposeB ? bShape[bRank - 2] : bShape[bRank - 1];
  if (kA !== kB) {
    throw new Error(`Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${aShape} and ` +
      `${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = tf.util.sizeFromShape(outer);
  const aBatches = tf.util.sizeFromShape(outerA);
  const bBatches = tf.util.sizeFromShape(outerB);
  return {
    outShape: [...outer, m, n],
    batch,
    aBatches,
    bBatches,
    aIndex: aBatches === batch || aBatches === 1 ? null : broadcastIndex(outerA, outer),
    bIndex: bBatches === batch || bBatches === 1 ? null : broadcastIndex(outerB, outer),
    m,
    n,
    k: kA,
  };
}

/** For each flat index into `outer`, the flat index into `shape` (broadcast onto `outer`). */
function broadcastIndex(shape: number[], outer: number[]): Int32Array {
  const padded = [...new Array<number>(outer.length - shape.length).fill(1), ...shape];
  const strides = new Array<number>(padded.length);
  let stride = 1;
  for (let d = padded.length - 1; d >= 0; d--) {
    strides[d] = padded[d] === 1 ? 0 : stride;
    stride *= padded[d];
  }
  const total = tf.util.sizeFromShape(outer);
  const index = new Int32Array(total);
  for (let i = 0; i < total; i++) {
    let rest = i;
    let flat = 0;
    for (let d = outer.length - 1; d >= 0; d--) {
      flat += (rest % outer[d]) * strides[d];
      rest = Math.floor(rest / outer[d]);
    }
    index[i] = flat;
  }
  return index;
}

function matMulKernel(name: string): Factory {
  return (ctx) => (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string; leakyreluAlpha?: number };
    if (!a || !b) throw new Error(`native ${name}: missing inputs`);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return delegate(name, ctx, args, 'a non-float32 operand');
    const backend = wasmBackend(args);
    const plan = planMatMul(a.shape, b.shape, attrs.transposeA, attrs.transposeB);
    const epilogue = epilogueFor(backend, { bias, preluActivationWeights }, attrs, plan.outShape);
    if (typeof epilogue === 'string') return delegate(name, ctx, args, epilogue);
    const out = backend.makeOutput(plan.outShape, 'float32');
    if (tf.util.sizeFromShape(plan.outShape) === 0) return out;
    ctx.addon.batchMatMul(
      heapOf(backend), offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out),
      plan.batch, plan.aBatches, plan.bBatches, plan.aIndex, plan.bIndex, plan.m, plan.n, plan.k,
      attrs.transposeA, attrs.transposeB, epilogue.bias, epilogue.mode, epilogue.activation, epilogue.alpha,
    );
    return out;
  };
}

/** The 15 numbers native/src/addon.cc reads as isbench::Conv2DGeometry. */
export function conv2dGeometry(info: tf.backend_util.Conv2DInfo): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvAttrs, dilations: number | [number, number]): tf.backend_util.Conv2DInfo {
  // The addon sizes the filter from the input's channels; a mismatch would read past the filter.
  if (xShape.length !== 4 || filterShape.length !== 4 || xShape[3] !== filterShape[2]) {
    throw new Error(`native conv: input [${xShape}] and filter [${filterShape}] disagree on channels`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides, dilations, attrs.pad, attrs.dimRoundingMode, false, tf.backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
}

function conv2dKernel(name: string): Factory {
  return (ctx) => (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!x || !filter) throw new Error(`native ${name}: missing inputs`);
    if (x.dtype !== 'float32' || filter.dtype !== 'float32') return delegate(name, ctx, args, 'a non-float32 operand');
    if (attrs.dataFormat === 'NCHW') return delegate(name, ctx, args, 'NCHW');
    const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations ?? 1);
    const backend = wasmBackend(args);
    const epilogue = epilogueFor(backend, { bias, preluActivationWeights }, attrs, info.outShape);
    if (typeof epilogue === 'string') return delegate(name, ctx, args, epilogue);
    const out = backend.makeOutput(info.outShape, 'float32');
    if (tf.util.sizeFromShape(info.outShape) === 0) return out;
    ctx.addon.conv2d(
      heapOf(backend), offsetOf(backend, x), offsetOf(backend, filter), offsetOf(backend, out), conv2dGeometry(info),
      epilogue.bias, epilogue.mode, epilogue.activation, epilogue.alpha,
    );
    return out;
  };
}

const conv2dBackpropInputKernel: Factory = (ctx) => (args) => {
  const { dy, filter } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return delegate('Conv2DBackpropInput', ctx, args, 'a non-float32 operand');
  if (attrs.dataFormat === 'NCHW') return delegate('Conv2DBackpropInput', ctx, args, 'NCHW');
  const info = convInfo(attrs.inputShape, filter.shape, attrs, 1);
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
    throw new Error(`native Conv2DBackpropInput: dy has shape [${dy.shape}], expected [${info.outShape}]`);
  }
  const backend = wasmBackend(args);
  const dx = backend.makeOutput(info.inShape, 'float32');
  if (tf.util.sizeFromShape(info.inShape) === 0) return dx;
  ctx.addon.conv2dBackpropInput(heapOf(backend), offsetOf(backend, dy), offsetOf(backend, filter), offsetOf(backend, dx), conv2dGeometry(info));
  return dx;
};

const conv2dBackpropFilterKernel: Factory = (ctx) => (args) => {
  const { x, dy } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') return delegate('Conv2DBackpropFilter', ctx, args, 'a non-float32 operand');
  if (attrs.dataFormat === 'NCHW') return delegate('Conv2DBackpropFilter', ctx, args, 'NCHW');
  const info = convInfo(x.shape, attrs.filterShape, attrs, 1);
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
    throw new Error(`native Conv2DBackpropFilter: dy has shape [${dy.shape}], expected [${info.outShape}]`);
  }
  const backend = wasmBackend(args);
  const dw = backend.makeOutput(info.filterShape, 'float32');
  if (tf.util.sizeFromShape(info.filterShape) === 0) return dw;
  ctx.addon.conv2dBackpropFilter(heapOf(backend), offsetOf(backend, x), offsetOf(backend, dy), offsetOf(backend, dw), conv2dGeometry(info));
  return dw;
};

const unsortedSegmentSumKernel: Factory = (ctx) => (args) => {
  const { x, segmentIds } = args.inputs as Record<string, TensorInfo>;
  const { numSegments } = args.attrs as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return delegate('UnsortedSegmentSum', ctx, args, `a ${x.dtype} input`);
  if (segmentIds.dtype !== 'int32' || segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
    // tfjs's ops only ever pass 1-D ids, one per row of x (the gradient of gather does).
    return delegate('UnsortedSegmentSum', ctx, args, `segment ids of shape [${segmentIds.shape}] for x of shape [${x.shape}]`);
  }
  const backend = wasmBackend(args);
  const outShape = [numSegments, ...x.shape.slice(1)];
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const n = x.shape[0] ?? 1;
  const inner = tf.util.sizeFromShape(x.shape.slice(1));
  ctx.addon.unsortedSegmentSum(heapOf(backend), offsetOf(backend, x), offsetOf(backend, segmentIds), offsetOf(backend, out), n, inner, numSegments, x.dtype === 'int32');
  return out;
};

const maxPoolGradKernel: Factory = (ctx) => (args) => {
  const { dy, input } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  if (dy.dtype !== 'float32' || input.dtype !== 'float32') return delegate('MaxPoolGrad', ctx, args, 'a non-float32 operand');
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const backend = wasmBackend(args);
  const dx = backend.makeOutput(input.shape, 'float32');
  if (tf.util.sizeFromShape(input.shape) === 0) return dx;
  const geometry = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ]);
  ctx.addon.maxPoolGrad(heapOf(backend), offsetOf(backend, input), offsetOf(backend, dy), offsetOf(backend, dx), geometry);
  return dx;
};

/**
 * Sum over a contiguous block of axes (what bias gradients need). wasm's Sum transposes the
 * reduced axes innermost first, which for a conv bias gradient costs more than the conv.
 */
const sumKernel: Factory = (ctx) => (args) => {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  if (x.dtype !== 'float32') return delegate('Sum', ctx, args, `a ${x.dtype} input`);
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((p, q) => p - q);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (!contiguous) return delegate('Sum', ctx, args, `non-adjacent axes [${axes}]`);
  const first = axes.length > 0 ? axes[0] : x.shape.length;
  const last = axes.length > 0 ? axes[axes.length - 1] + 1 : x.shape.length;
  const pre = tf.util.sizeFromShape(x.shape.slice(0, first));
  const reduced = tf.util.sizeFromShape(x.shape.slice(first, last));
  const post = tf.util.sizeFromShape(x.shape.slice(last));
  const outShape = keepDims ? x.shape.map((d, i) => (i >= first && i < last ? 1 : d)) : [...x.shape.slice(0, first), ...x.shape.slice(last)];
  const backend = wasmBackend(args);
  const out = backend.makeOutput(outShape, 'float32');
  if (pre * post === 0) return out;
  ctx.addon.reduceSum(heapOf(backend), offsetOf(backend, x), offsetOf(backend, out), pre, reduced, post);
  return out;
};

/**
 * GatherV2 (embedding lookups, and the training loop's batch assembly). wasm's copies the indices
 * out of the heap and checks each in a JS closure, which dominates an embedding model's step.
 */
const gatherV2Kernel: Factory = (ctx) => (args) => {
  const { x, indices } = args.inputs as Record<string, TensorInfo>;
  const { axis, batchDims } = args.attrs as { axis: number; batchDims?: number };
  const bytes = x.dtype === 'bool' ? 1 : x.dtype === 'float32' || x.dtype === 'int32' ? 4 : 0;
  if (bytes === 0 || indices.dtype !== 'int32') return delegate('GatherV2', ctx, args, `a ${x.dtype} input with ${indices.dtype} indices`);
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0];
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.Tensor, indices as tf.Tensor, parsedAxis, batchDims ?? 0);
  const backend = wasmBackend(args);
  const out = backend.makeOutput(info.outputShape, x.dtype);
  const count = tf.util.sizeFromShape(indices.shape) / Math.max(1, info.batchSize);
  if (tf.util.sizeFromShape(info.outputShape) === 0 && count === 0) return out;
  const bad = ctx.addon.gather(heapOf(backend), offsetOf(backend, x), offsetOf(backend, indices), offsetOf(backend, out),
    info.batchSize, info.outerSize, info.dimSize, count, info.sliceSize * bytes);
  if (bad >= 0) {
    // The same message tfjs's kernels give; the index is read back only on this error path.
    const index = new Int32Array(heapOf(backend), offsetOf(backend, indices) + 4 * bad, 1)[0];
    backend.disposeData(out.dataId);
    throw new Error(`GatherV2: the index value ${index} is not in [0, ${info.dimSize - 1}]`);
  }
  return out;
};

/** Sqrt: wasm's is scalar code, far slower than a square; optimizers take one per weight. */
const sqrtKernel: Factory = (ctx) => (args) => {
  const { x } = args.inputs as Record<string, TensorInfo>;
  if (x.dtype !== 'float32') return delegate('Sqrt', ctx, args, `a ${x.dtype} input`);
  const backend = wasmBackend(args);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n > 0) ctx.addon.sqrt(heapOf(backend), offsetOf(backend, x), offsetOf(backend, out), n);
  return out;
};

/**
 * Dropout in one pass: x times a mask drawn on the fly from the seed, the same values as the
 * JavaScript generator, so no mask tensor is made, kept for the backward pass or multiplied in.
 */
const dropoutKernel: Factory = (ctx) => (args) => {
  const { x } = args.inputs as Record<string, TensorInfo>;
  const { seed, threshold, scale } = args.attrs as unknown as DropoutAttrs;
  if (x.dtype !== 'float32') throw new Error(`${DROPOUT_KERNEL}: needs a float32 input, got ${x.dtype}`);
  const backend = wasmBackend(args);
  const out = backend.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  if (n > 0) ctx.addon.dropout(heapOf(backend), offsetOf(backend, x), offsetOf(backend, out), n, seed, threshold, scale);
  return out;
};

/** The gradient of x * mask is dy * mask: the same kernel with the same seed, applied to dy. */
export const DROPOUT_GRADIENT: tf.GradConfig = {
  kernelName: DROPOUT_KERNEL,
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel(DROPOUT_KERNEL, { x: dy as tf.Tensor }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
  }),
};

/**
 * One uncentered RMSprop step of a weight tensor in a single pass, instead of tfjs's nine
 * elementwise kernels and their bookkeeping: inputs value, meanSquare, moment, grad (float32,
 * one shape); outputs the new value, meanSquare and moment, in that order.
 */
const rmspropUpdateKernel: Factory = (ctx) => (args) => {
  const { value, meanSquare, moment, grad } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as RmspropUpdateAttrs;
  const all = [value, meanSquare, moment, grad];
  if (all.some((t) => t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, value.shape))) {
    throw new Error(`${RMSPROP_UPDATE_KERNEL}: needs float32 operands of one shape`);
  }
  const backend = wasmBackend(args);
  const outs = [0, 1, 2].map(() => backend.makeOutput(value.shape, 'float32'));
  const n = tf.util.sizeFromShape(value.shape);
  if (n > 0) {
    const [a, b, c, d] = all.map((t) => offsetOf(backend, t));
    ctx.addon.rmspropUpdate(heapOf(backend), a, b, c, d, offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]),
      n, attrs.decay, attrs.momentum, attrs.learningRate, attrs.epsilon);
  }
  return outs;
};

/**
 * One Adam step of a weight tensor in a single pass: inputs value, first, second, grad (float32,
 * one shape) and the scalars accBeta1, accBeta2 (beta^t); outputs the new value, first and
 * second moments, in that order.
 */
const adamUpdateKernel: Factory = (ctx) => (args) => {
  const { value, first, second, grad, accBeta1, accBeta2 } = args.inputs as Record<string, TensorInfo>;
  const attrs = args.attrs as unknown as AdamUpdateAttrs;
  const all = [value, first, second, grad];
  if (all.some((t) => t.dtype !== 'float32' || !tf.util.arraysEqual(t.shape, value.shape))
    || [accBeta1, accBeta2].some((t) => t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== 1)) {
    throw new Error(`${ADAM_UPDATE_KERNEL}: needs float32 operands of one shape and float32 scalars`);
  }
  const backend = wasmBackend(args);
  const outs = [0, 1, 2].map(() => backend.makeOutput(value.shape, 'float32'));
  const n = tf.util.sizeFromShape(value.shape);
  if (n > 0) {
    const [a, b, c, d] = all.map((t) => offsetOf(backend, t));
    ctx.addon.adamUpdate(heapOf(backend), a, b, c, d, offsetOf(backend, outs[0]), offsetOf(backend, outs[1]), offsetOf(backend, outs[2]),
      n, attrs.beta1, attrs.beta2, attrs.learningRate, attrs.epsilon, offsetOf(backend, accBeta1), offsetOf(backend, accBeta2));
  }
  return outs;
};

/**
 * Identity, and Cast to the same dtype, share the input's memory (reference-counted, as wasm's
 * Reshape and the cpu backend do) instead of copying it: tfjs tensors are immutable.
 */
function shareKernel(name: string): Factory {
  return (ctx) => (args) => {
    const { x } = args.inputs as Record<string, TensorInfo>;
    const dtype = (args.attrs as { dtype?: tf.DataType } | undefined)?.dtype ?? x.dtype;
    if (dtype !== x.dtype || x.dtype === 'string') return delegate(name, ctx, args, `${x.dtype} to ${dtype}`);
    wasmBackend(args).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype };
  };
}

/** Every kernel the addon can serve, by tfjs kernel name. */
export const NATIVE_KERNEL_FACTORIES: Readonly<Record<string, Factory>> = {
  BatchMatMul: matMulKernel('BatchMatMul'),
  _FusedMatMul: matMulKernel('_FusedMatMul'),
  Conv2D: conv2dKernel('Conv2D'),
  FusedConv2D: conv2dKernel('FusedConv2D'),
  Conv2DBackpropInput: conv2dBackpropInputKernel,
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
  UnsortedSegmentSum: unsortedSegmentSumKernel,
  MaxPoolGrad: maxPoolGradKernel,
  Sum: sumKernel,
  GatherV2: gatherV2Kernel,
  Sqrt: sqrtKernel,
  [RMSPROP_UPDATE_KERNEL]: rmspropUpdateKernel,
  [DROPOUT_KERNEL]: dropoutKernel,
  [ADAM_UPDATE_KERNEL]: adamUpdateKernel,
  Identity: shareKernel('Identity'),
  Cast: shareKernel('Cast'),
};
