import * as tf from '@tensorflow/tfjs';
import { nativeKernelStatus } from './native';
import { FusedActivationCode, loadNativeAddon, type NativeStepPlanHandle } from './native-addon';

/**
 * A training step planned once for a sequential stack of layers and run as native calls over
 * buffers the addon allocates once (native/src/step_plan.h): forward, per-sample loss and scores,
 * backward and the optimizer update, with the weights and optimizer slots updated in place in the
 * tfjs variables that hold them, so checkpoints, evaluation and tfjs's own step see the same
 * weights. The description is in engine terms; src/train/native-step.ts derives it from a model and
 * an optimizer, and keeps tfjs's step for everything it cannot describe.
 */

/** Activations a planned layer can apply (anything else is not planned). */
export type PlanActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh';

/** One layer, per sample; shapes are NHWC without the batch dimension. */
export type PlanLayer =
  | { kind: 'dense'; inputs: number; units: number; bias: boolean; activation: PlanActivation }
  | {
    kind: 'conv2d';
    /** computeConv2DInfo at batch 1. */
    info: tf.backend_util.Conv2DInfo;
    bias: boolean;
    activation: PlanActivation;
  }
  | { kind: 'maxPool2d'; /** computePool2DInfo at batch 1. */ info: tf.backend_util.Conv2DInfo }
  /** Keeps an element when the 24-bit hash of (seed, index) is >= threshold; kept ones are scaled. */
  | { kind: 'dropout'; size: number; threshold: number; scale: number }
  | { kind: 'activation'; size: number; activation: PlanActivation }
  | { kind: 'embedding'; steps: number; dim: number; vocab: number }
  | { kind: 'globalAveragePooling1d'; steps: number; dim: number };

/** The loss on the logits: what the output activation implies. */
export type PlanLoss = 'softmax-cross-entropy' | 'sigmoid-cross-entropy' | 'mean-squared-error';

/** The optimizer's update and scalars (the numbers tfjs's optimizer holds). */
export type PlanOptimizer =
  | { kind: 'sgd'; learningRate: number }
  | { kind: 'rmsprop'; learningRate: number; decay: number; momentum: number; epsilon: number }
  | { kind: 'adam'; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { kind: 'adadelta'; learningRate: number; rho: number; epsilon: number };

export interface StepPlanSpec {
  /** Floats (or int32 ids) per sample. */
  inputSize: number;
  inputDtype: 'float32' | 'int32';
  layers: PlanLayer[];
  loss: PlanLoss;
  /** Logits per sample. */
  outputs: number;
  optimizer: PlanOptimizer;
}

/** A split on the device: x is [n, inputSize], y is [n, outputs]. */
export interface PlanData {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** Per-sample statistics of a training forward pass. */
export interface PlanStats {
  loss: Float32Array;
  gnorm: Float32Array;
  correct: Float32Array;
}

interface WasmBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  refCount(dataId: object): number;
}

const LAYER_KINDS: Record<PlanLayer['kind'], number> = {
  dense: 0, conv2d: 1, maxPool2d: 2, dropout: 3, activation: 4, embedding: 5, globalAveragePooling1d: 6,
};
const ACTIVATIONS: Record<PlanActivation, FusedActivationCode> = {
  linear: FusedActivationCode.Linear, relu: FusedActivationCode.Relu, sigmoid: FusedActivationCode.Sigmoid, tanh: 6 as FusedActivationCode,
};
const LOSSES: Record<PlanLoss, number> = { 'softmax-cross-entropy': 0, 'sigmoid-cross-entropy': 1, 'mean-squared-error': 2 };
const OPTIMIZERS: Record<PlanOptimizer['kind'], number> = { sgd: 0, rmsprop: 1, adam: 2, adadelta: 3 };
/** Optimizer slots per weight tensor, as native/src/optimizers.cc counts them. */
export const PLAN_OPTIMIZER_SLOTS: Record<PlanOptimizer['kind'], number> = { sgd: 0, rmsprop: 2, adam: 2, adadelta: 2 };

const perSample = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function conv2dGeometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ];
}

function poolGeometry(info: tf.backend_util.Conv2DInfo): number[] {
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.effectiveFilterHeight, info.effectiveFilterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left,
  ];
}

/** The plain object native/src/plan_binding.cc parses. */
function nativeSpec(spec: StepPlanSpec): object {
  let inSize = spec.inputSize;
  const layers = spec.layers.map((l) => {
    const base = { kind: LAYER_KINDS[l.kind], inSize, activation: 0, bias: false };
    let out: Record<string, unknown>;
    switch (l.kind) {
      case 'dense':
        out = { ...base, outSize: l.units, inputs: l.inputs, units: l.units, bias: l.bias, activation: ACTIVATIONS[l.activation] };
        break;
      case 'conv2d':
        out = { ...base, outSize: perSample(l.info.outShape.slice(1)), conv: conv2dGeometry(l.info), bias: l.bias, activation: ACTIVATIONS[l.activation] };
        break;
      case 'maxPool2d':
        out = { ...base, outSize: perSample(l.info.outShape.slice(1)), pool: poolGeometry(l.info) };
        break;
      case 'dropout':
        out = { ...base, outSize: l.size, threshold: l.threshold, scale: l.scale };
        break;
      case 'activation':
        out = { ...base, outSize: l.size, activation: ACTIVATIONS[l.activation] };
        break;
      case 'embedding':
        out = { ...base, outSize: l.steps * l.dim, steps: l.steps, dim: l.dim, vocab: l.vocab };
        break;
      case 'globalAveragePooling1d':
        out = { ...base, outSize: l.dim, steps: l.steps, dim: l.dim };
        break;
    }
    inSize = out.outSize as number;
    return out;
  });
  const o = spec.optimizer;
  const optimizer = {
    kind: OPTIMIZERS[o.kind],
    learningRate: o.learningRate,
    decay: o.kind === 'rmsprop' ? o.decay : o.kind === 'adadelta' ? o.rho : 0,
    momentum: o.kind === 'rmsprop' ? o.momentum : 0,
    beta1: o.kind === 'adam' ? o.beta1 : 0,
    beta2: o.kind === 'adam' ? o.beta2 : 0,
    epsilon: o.kind === 'sgd' ? 0 : o.epsilon,
  };
  return { inputSize: spec.inputSize, intInput: spec.inputDtype === 'int32', loss: LOSSES[spec.loss], outputs: spec.outputs, optimizer, layers };
}

/**
 * A planned step over the wasm heap. Create it with `NativeStepPlan.create` (undefined unless the
 * wasm backend runs with the native kernels); `active()` says whether it can run now.
 */
export class NativeStepPlan {
  /** Floats in each parameter, in the order the layers use them (kernel, then bias). */
  readonly paramSizes: number[];
  private readonly slots: number;
  private pendingRows = 0;
  /** Heap offsets per parameter (value, then slots), refilled for every call. */
  private readonly valueTable: Float64Array;
  private readonly fullTable: Float64Array;
  private readonly powerTable = new Float64Array(2);

  private constructor(private readonly handle: NativeStepPlanHandle, readonly spec: StepPlanSpec) {
    this.paramSizes = handle.paramSizes();
    this.slots = PLAN_OPTIMIZER_SLOTS[spec.optimizer.kind];
    this.valueTable = new Float64Array(this.paramSizes.length * (1 + this.slots));
    this.fullTable = new Float64Array(this.paramSizes.length * (1 + this.slots));
  }

  /** Whether planned steps can run: the wasm backend is active with the native kernels on. */
  static active(): boolean {
    return tf.getBackend() === 'wasm' && nativeKernelStatus() !== null;
  }

  /** The plan for `spec`, or undefined when the native kernels are not active. Throws on an invalid spec. */
  static create(spec: StepPlanSpec): NativeStepPlan | undefined {
    const { addon } = loadNativeAddon();
    if (!addon || !NativeStepPlan.active()) return undefined;
    return new NativeStepPlan(new addon.StepPlan(nativeSpec(spec)), spec);
  }

  /**
   * The forward pass of a training step over rows `indices` of `data` (dropout on, one seed per
   * dropout layer in order); keeps what trainBackward needs. Writes no tensor. The statistics are
   * views of one fresh buffer.
   */
  trainForward(data: PlanData, indices: Int32Array, values: tf.Tensor[], seeds: Uint32Array): PlanStats {
    const backend = this.backend();
    const k = indices.length;
    const stats = new Float32Array(3 * k);
    const [x, y] = this.dataOffsets(backend, data);
    this.fill(this.valueTable, backend, values);
    this.pendingRows = 0;
    this.handle.trainForward(heap(backend), x, data.x.shape[0], y, indices, this.valueTable, seeds, stats);
    this.pendingRows = k;
    return { loss: stats.subarray(0, k), gnorm: stats.subarray(k, 2 * k), correct: stats.subarray(2 * k) };
  }

  /**
   * The backward pass and optimizer update after trainForward: coefficients[r] = d objective /
   * d loss_r. Updates the parameters `values` and their optimizer `slots` in place (each made sole
   * owner of its memory first), and Adam's accumulated powers (`powers`) too. `learningRate`
   * (default: the one the plan was made with) is this step's.
   */
  trainBackward(values: tf.Variable[], slots: tf.Variable[][], coefficients: Float32Array, powers?: [tf.Variable, tf.Variable], learningRate?: number): void {
    if (coefficients.length !== this.pendingRows) throw new Error(`planned step: ${coefficients.length} coefficients for ${this.pendingRows} rows`);
    const backend = this.backend();
    for (let i = 0; i < values.length; i++) {
      ownMemory(backend, values[i]);
      for (const s of slots[i] ?? []) ownMemory(backend, s);
    }
    if (powers) {
      powers.forEach((v, i) => {
        ownMemory(backend, v);
        this.powerTable[i] = offsetOf(backend, v);
      });
    }
    this.fill(this.fullTable, backend, values, slots);
    this.pendingRows = 0;
    this.handle.trainBackward(heap(backend), this.fullTable, coefficients, powers ? this.powerTable : null, learningRate);
  }

  /** Inference mode (no dropout) over rows `indices` of `data`: whichever of loss, gnorm, correct are asked for. */
  infer(data: PlanData, indices: Int32Array, values: tf.Tensor[], want: { loss?: boolean; gnorm?: boolean; correct?: boolean }): Partial<PlanStats> {
    const backend = this.backend();
    const k = indices.length;
    const out: Partial<PlanStats> = {};
    if (want.loss) out.loss = new Float32Array(k);
    if (want.gnorm) out.gnorm = new Float32Array(k);
    if (want.correct) out.correct = new Float32Array(k);
    const [x, y] = this.dataOffsets(backend, data);
    this.fill(this.valueTable, backend, values);
    this.handle.infer(heap(backend), x, data.x.shape[0], y, indices, this.valueTable, out.loss ?? null, out.gnorm ?? null, out.correct ?? null);
    return out;
  }

  private backend(): WasmBackend {
    if (!NativeStepPlan.active()) throw new Error('planned step: the wasm backend with native kernels is not active');
    return tf.backend() as unknown as WasmBackend;
  }

  private dataOffsets(backend: WasmBackend, data: PlanData): [number, number] {
    const { spec } = this;
    if (data.x.dtype !== spec.inputDtype || data.y.dtype !== 'float32' || data.x.size !== data.x.shape[0] * spec.inputSize
      || data.y.size !== data.x.shape[0] * spec.outputs) {
      throw new Error(`planned step: data of shapes [${data.x.shape}] (${data.x.dtype}) and [${data.y.shape}] do not fit the plan`);
    }
    return [offsetOf(backend, data.x), offsetOf(backend, data.y)];
  }

  /** Fills `table` with heap offsets per parameter: value, then each slot (-1 where no slots are given). */
  private fill(table: Float64Array, backend: WasmBackend, values: tf.Tensor[], slots?: tf.Tensor[][]): void {
    if (values.length !== this.paramSizes.length) throw new Error(`planned step: ${values.length} parameters for ${this.paramSizes.length}`);
    const stride = 1 + this.slots;
    for (let i = 0; i < values.length; i++) {
      const size = this.paramSizes[i];
      const value = values[i];
      if (value.dtype !== 'float32' || value.size !== size) throw new Error(`planned step: parameter ${i} has the wrong size`);
      table[i * stride] = offsetOf(backend, value);
      for (let j = 0; j < this.slots; j++) {
        const slot = slots?.[i]?.[j];
        if (slots && (!slot || slot.dtype !== 'float32' || slot.size !== size)) {
          throw new Error(`planned step: parameter ${i} needs ${this.slots} optimizer slots of its size`);
        }
        table[i * stride + 1 + j] = slot ? offsetOf(backend, slot) : -1;
      }
    }
  }
}

function heap(backend: WasmBackend): ArrayBuffer {
  // Read after every allocation of the call's preparation: an allocation can replace the heap.
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

function offsetOf(backend: WasmBackend, t: tf.Tensor): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('planned step: a tensor is not on the wasm backend');
  return data.memoryOffset;
}

/**
 * Makes a variable the only holder of its memory before it is updated in place: tfjs tensors are
 * immutable, and a tensor sharing the variable's data (an assign from a tensor still alive, a
 * memory-sharing clone) must keep its values.
 */
function ownMemory(backend: WasmBackend, v: tf.Variable): void {
  if (backend.refCount(v.dataId) <= 1) return;
  const copy = tf.tensor(v.dataSync(), v.shape, v.dtype);
  v.assign(copy);
  copy.dispose();
}
