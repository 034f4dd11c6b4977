import * as tf from '@tensorflow/tfjs';
import { NativeStepPlan, type PlanActivation, type PlanLayer, type PlanLoss, type PlanOptimizer } from '../engine/step-plan';
import type { BuiltModel } from '../models/build';
import { lossFunction, type LossFunction } from './losses';
import { dropoutAttrs, SeededDropout } from '../models/seeded-dropout';
import { topK } from '../sampling/top-k';

/**
 * The planned training step (src/engine/step-plan.ts) for is-bench's models: a model built by
 * buildModel is a sequential stack of dense, conv2d, max pooling, flatten, dropout, activation,
 * embedding and global average pooling layers, which the plan runs as two native calls per step
 * (forward with the per-sample scores, then backward with the optimizer's update). `planTraining`
 * returns undefined for anything it cannot describe exactly — another layer or activation, a
 * regulariser or constraint, a non-sequential graph, an optimizer without a planned update — and
 * the session then runs tfjs's own step.
 */

/** An optimizer's update as a planned step runs it (FusedRMSProp, FusedAdam, KerasAdadelta provide one). */
export interface PlannedUpdate {
  spec: PlanOptimizer;
  /** The optimizer's slots for each trainable weight (created as its own update would create them). */
  slots(weights: tf.Variable[]): tf.Variable[][];
  /** Adam's accumulated powers beta1^t, beta2^t, advanced by the step. */
  powers?(): [tf.Variable, tf.Variable];
  /** After the update: what the optimizer's own applyGradients does besides the update (the step count). */
  finish(): void;
}

/** A split on the device (DeviceSplit in session.ts). */
interface Split {
  x: tf.Tensor;
  y: tf.Tensor;
  n: number;
}

/** The per-sample scores and the objective of one planned step. */
export interface PlannedStepResult {
  objective: number;
  loss: Float32Array;
  gnorm: Float32Array;
  correct: Uint8Array;
}

/** The plan's loss for a loss function; mae and Huber have none (tfjs's step runs). */
function planLoss(loss: LossFunction): PlanLoss | undefined {
  if (loss.kind === 'softmax-cross-entropy' || loss.kind === 'sigmoid-cross-entropy') return loss.kind;
  return loss.kind === 'mse' ? 'mean-squared-error' : undefined;
}

const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid', 'tanh'];

function planActivation(name: unknown): PlanActivation | undefined {
  return typeof name === 'string' && ACTIVATIONS.includes(name) ? (name as PlanActivation) : undefined;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0] as number, v[1] as number] : [v as number, v as number]);
const size = (shape: (number | null)[]) => shape.slice(1).reduce<number>((a, b) => a * (b ?? NaN), 1);

/** The optimizer's planned update, or undefined (momentum SGD, Adagrad, centered RMSprop, user optimizers). */
function plannedUpdate(optimizer: tf.Optimizer): PlannedUpdate | undefined {
  const withPlan = optimizer as unknown as { plannedUpdate?: () => PlannedUpdate | undefined };
  if (typeof withPlan.plannedUpdate === 'function') return withPlan.plannedUpdate();
  if (Object.getPrototypeOf(optimizer) === tf.SGDOptimizer.prototype) {
    // tf.train.sgd: w - lr g, no slots; its step count is tfjs's protected incrementIterations.
    const sgd = optimizer as unknown as { learningRate: number; incrementIterations(): void };
    return { spec: { kind: 'sgd', learningRate: sgd.learningRate }, slots: (w) => w.map(() => []), finish: () => sgd.incrementIterations() };
  }
  return undefined;
}

interface Described {
  layers: PlanLayer[];
  dropouts: SeededDropout[];
  weights: tf.LayerVariable[];
}

/** The model's layers as plan layers, or undefined when one of them cannot be planned exactly. */
function describe(model: tf.LayersModel): Described | undefined {
  const layers: PlanLayer[] = [];
  const dropouts: SeededDropout[] = [];
  const weights: tf.LayerVariable[] = [];
  const all = model.layers;
  const outputs = (model as unknown as { outputLayers: tf.layers.Layer[] }).outputLayers;
  if (model.inputs.length !== 1 || outputs.length !== 1 || outputs[0] !== all[all.length - 1]) return undefined;
  for (let i = 0; i < all.length; i++) {
    const layer = all[i];
    const nodes = (layer as unknown as { inboundNodes: { inboundLayers: tf.layers.Layer[] }[] }).inboundNodes;
    if (i === 0) {
      if (layer.getClassName() !== 'InputLayer') return undefined;
      continue;
    }
    // A chain: each layer is applied once, to the previous layer's output.
    if (nodes.length !== 1 || nodes[0].inboundLayers.length !== 1 || nodes[0].inboundLayers[0] !== all[i - 1]) return undefined;
    const config = layer.getConfig() as Record<string, unknown>;
    const unplannable = ['kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint',
      'embeddingsRegularizer', 'embeddingsConstraint'].some((k) => config[k] != null);
    if (unplannable || !layer.trainable) return undefined;
    const inShape = all[i - 1].outputShape as (number | null)[];
    const outShape = layer.outputShape as (number | null)[];
    const own = layer.weights;
    switch (layer.getClassName()) {
      case 'Dense': {
        const activation = planActivation(config.activation);
        if (!activation || inShape.length !== 2) return undefined;
        layers.push({ kind: 'dense', inputs: inShape[1]!, units: config.units as number, bias: config.useBias as boolean, activation });
        weights.push(...own);
        break;
      }
      case 'Conv2D': {
        const activation = planActivation(config.activation);
        if (!activation || config.dataFormat !== 'channelsLast' || inShape.length !== 4) return undefined;
        const [kh, kw] = pair(config.kernelSize);
        const info = tf.backend_util.computeConv2DInfo(
          [1, inShape[1]!, inShape[2]!, inShape[3]!], [kh, kw, inShape[3]!, config.filters as number],
          pair(config.strides), pair(config.dilationRate), config.padding as 'valid' | 'same');
        layers.push({ kind: 'conv2d', info, bias: config.useBias as boolean, activation });
        weights.push(...own);
        break;
      }
      case 'MaxPooling2D': {
        if (config.dataFormat !== 'channelsLast' || inShape.length !== 4) return undefined;
        const info = tf.backend_util.computePool2DInfo(
          [1, inShape[1]!, inShape[2]!, inShape[3]!], pair(config.poolSize), pair(config.strides), 1, config.padding as 'valid' | 'same');
        layers.push({ kind: 'maxPool2d', info });
        break;
      }
      case 'Flatten':
        // NHWC rows are already flat: nothing to do.
        break;
      case 'Dropout': {
        if (!(layer instanceof SeededDropout)) return undefined;
        if (layer.rate === 0) break;
        const { threshold, scale } = dropoutAttrs(layer.rate, 0);
        layers.push({ kind: 'dropout', size: size(inShape), threshold, scale });
        dropouts.push(layer);
        break;
      }
      case 'Activation': {
        const activation = planActivation(config.activation);
        if (!activation) return undefined;
        if (activation !== 'linear') layers.push({ kind: 'activation', size: size(inShape), activation });
        break;
      }
      case 'Embedding': {
        if ((layer as unknown as { maskZero?: boolean }).maskZero || i !== 1 || outShape.length !== 3) return undefined;
        layers.push({ kind: 'embedding', steps: outShape[1]!, dim: config.outputDim as number, vocab: config.inputDim as number });
        weights.push(...own);
        break;
      }
      case 'GlobalAveragePooling1D':
        if (inShape.length !== 3) return undefined;
        layers.push({ kind: 'globalAveragePooling1d', steps: inShape[1]!, dim: inShape[2]! });
        break;
      default:
        return undefined;
    }
    if ([...inShape.slice(1), ...outShape.slice(1)].some((d) => d == null)) return undefined;
  }
  return { layers, dropouts, weights };
}

/**
 * One arm's planned step: the plan, the model's weights in plan order, the optimizer's update and
 * the dropout layers whose seeds each step draws, in the order tfjs's forward pass draws them.
 */
export class PlannedTraining {
  private readonly seeds: Uint32Array;

  private constructor(
    private readonly plan: NativeStepPlan,
    private readonly weights: tf.LayerVariable[],
    private readonly dropouts: SeededDropout[],
    private readonly update: PlannedUpdate,
    private readonly optimizer: { learningRate: number },
  ) {
    this.seeds = new Uint32Array(dropouts.length);
  }

  /** Whether planned steps can run now (wasm backend with native kernels). */
  static active(): boolean {
    return NativeStepPlan.active();
  }

  /** The planned step of `model` trained by `optimizer`, or undefined when it cannot be planned. */
  static create(model: BuiltModel, optimizer: tf.Optimizer, loss: LossFunction = lossFunction(model.outputActivation)): PlannedTraining | undefined {
    if (!NativeStepPlan.active()) return undefined;
    const lossSpec = planLoss(loss);
    if (!lossSpec) return undefined;
    const described = describe(model.logits);
    const update = plannedUpdate(optimizer);
    if (!described || !update || described.layers.length === 0) return undefined;
    // The optimizer's slots are indexed by position in the trainable weights.
    const trainable = model.logits.trainableWeights;
    if (trainable.length !== described.weights.length || trainable.some((w, i) => w !== described.weights[i])) return undefined;
    const input = model.logits.inputs[0];
    const inputSize = size(input.shape);
    const outputs = size(model.logits.outputs[0].shape);
    if (!Number.isFinite(inputSize) || !Number.isFinite(outputs)) return undefined;
    const plan = NativeStepPlan.create({
      inputSize,
      inputDtype: model.inputDtype,
      layers: described.layers,
      loss: lossSpec,
      outputs,
      optimizer: update.spec,
    });
    return plan ? new PlannedTraining(plan, described.weights, described.dropouts, update, optimizer as unknown as { learningRate: number }) : undefined;
  }

  private values(): tf.Variable[] {
    return this.weights.map((w) => w.read() as tf.Variable);
  }

  /** One optimizer step on mean_i(w_i loss_i) (or the mean of the topQ largest), as TrainingSession.trainStep. */
  trainStep(train: Split, indices: Int32Array, weights: Float32Array | null, topQ?: number): PlannedStepResult {
    const k = indices.length;
    const values = this.values();
    // The seeds tfjs's forward pass would draw, one per dropout layer in order (as dropoutAttrs keeps them).
    const seeds = this.seeds;
    for (let i = 0; i < seeds.length; i++) seeds[i] = this.dropouts[i].nextSeed() >>> 0;
    const stats = this.plan.trainForward(train, indices, values, seeds);
    const loss = stats.loss;
    // d objective / d loss_i and the objective, in float32 as tfjs's gradients of mean, mul and div round them.
    const coefficients = new Float32Array(k);
    let sum = 0;
    if (topQ === undefined || topQ >= k) {
      const inv = Math.fround(1 / k);
      for (let i = 0; i < k; i++) {
        coefficients[i] = weights ? inv * weights[i] : inv;
        sum += weights ? Math.fround(loss[i] * weights[i]) : loss[i];
      }
      sum /= k;
    } else {
      const weighted = weights ? Float32Array.from(loss, (l, i) => l * weights[i]) : loss;
      const inv = Math.fround(1 / topQ);
      for (const i of topK(weighted, topQ)) {
        coefficients[i] = weights ? inv * weights[i] : inv;
        sum += weighted[i];
      }
      sum /= topQ;
    }
    // the optimizer's rate now: a schedule or a strategy may have changed it since the plan was made
    this.plan.trainBackward(values, this.update.slots(values), coefficients, this.update.powers?.(), this.optimizer.learningRate);
    this.update.finish();
    const correct = new Uint8Array(k);
    for (let i = 0; i < k; i++) correct[i] = stats.correct[i];
    // stats is this step's own buffer: its views need no copy.
    return { objective: Math.fround(sum), loss, gnorm: stats.gnorm, correct };
  }

  /** Inference-mode per-sample scores of rows of `split`. */
  score(split: Split, indices: Int32Array, kind: 'loss' | 'gnorm'): Float32Array {
    const out = this.plan.infer(split, indices, this.values(), { [kind]: true });
    return (kind === 'loss' ? out.loss : out.gnorm)!;
  }

  /** Sums of the inference-mode loss and correctness over a whole split. */
  evaluate(split: Split): { lossSum: number; correctSum: number } {
    const { loss, correct } = this.plan.infer(split, Int32Array.from({ length: split.n }, (_, i) => i), this.values(), { loss: true, correct: true });
    let lossSum = 0;
    let correctSum = 0;
    for (let i = 0; i < split.n; i++) {
      lossSum += loss![i];
      correctSum += correct![i];
    }
    return { lossSum, correctSum };
  }
}
