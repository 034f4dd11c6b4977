/**
 * Arrays a library caller passes (fit's x and y, compare's data) as a dataset: the targets are
 * read against the model's output, since the model, not the data, fixes the number of classes.
 */
import { UserError } from '../errors';
import type { DataSplit, LoadedDataset } from '../spec';
import { oneHot } from './one-hot';

/** Flat row-major values and the shape they have. */
export interface ShapedArray {
  values: Float32Array | Int32Array;
  shape: number[];
}

/** What the model expects: its per-sample input shape and dtype, its output width and activation. */
export interface ModelInterface {
  inputShape: number[];
  inputDtype: 'float32' | 'int32';
  outputUnits: number;
  outputActivation: 'softmax' | 'sigmoid';
}

export interface InMemorySplits {
  train: { x: ShapedArray; y: ShapedArray };
  validation?: { x: ShapedArray; y: ShapedArray };
}

const product = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function inputs(x: ShapedArray, model: ModelInterface, what: string): { values: Float32Array | Int32Array; n: number } {
  const n = x.shape[0] ?? 0;
  if (x.shape.length < 2 && product(model.inputShape) !== 1) {
    throw new UserError(`${what}: shape ${shapeText(x.shape)}; expected samples along the first axis, each of the model's input shape ${shapeText(model.inputShape)}`);
  }
  const sample = x.shape.slice(1);
  if (product(sample) !== product(model.inputShape)) {
    throw new UserError(`${what}: each sample has shape ${shapeText(sample)}, but the model takes ${shapeText(model.inputShape)}`);
  }
  for (let i = 0; i < x.values.length; i++) {
    if (!Number.isFinite(x.values[i])) throw new UserError(`${what}: value ${i} (sample ${Math.floor(i / Math.max(product(sample), 1))}) is ${x.values[i]}; inputs must be finite numbers`);
  }
  if (model.inputDtype === 'int32') {
    const ids = Int32Array.from(x.values);
    const bad = ids.findIndex((v, i) => v !== x.values[i] || v < 0);
    if (bad >= 0) throw new UserError(`${what}: value ${bad} is ${x.values[bad]}; the model takes int32 token ids (whole numbers >= 0)`);
    return { values: ids, n };
  }
  return { values: x.values instanceof Float32Array ? x.values : Float32Array.from(x.values), n };
}

/** y as the model's targets: rows of its output width, or class ids one-hot encoded for a softmax. */
function targets(y: ShapedArray, n: number, model: ModelInterface, what: string): { y: Float32Array; labels: Int32Array } {
  const k = model.outputUnits;
  if ((y.shape[0] ?? 0) !== n) throw new UserError(`${what}: ${y.shape[0] ?? 0} targets for ${n} samples; give one target per sample`);
  const width = y.values.length / Math.max(n, 1);
  const labels = new Int32Array(n);
  if (width === k && (y.shape.length === 2 || k === 1)) {
    const values = Float32Array.from(y.values);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 0; j < k; j++) {
        const v = values[i * k + j];
        if (!(v >= 0 && v <= 1)) throw new UserError(`${what}: sample ${i} has target ${v}; ${k === 1 ? 'binary targets are 0 or 1' : 'one-hot rows hold values from 0 to 1'}`);
        if (v > values[i * k + best]) best = j;
      }
      labels[i] = k === 1 ? (values[i] > 0.5 ? 1 : 0) : best;
    }
    return { y: values, labels };
  }
  if (width === 1 && k > 1) {
    for (let i = 0; i < n; i++) {
      const c = y.values[i];
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new UserError(`${what}: sample ${i} has class ${c}; class ids are whole numbers from 0 to ${k - 1} (the model has ${k} outputs)`);
      labels[i] = c;
    }
    return { y: oneHot(labels, k), labels };
  }
  throw new UserError(`${what}: shape ${shapeText(y.shape)} does not fit the model's ${k} output${k === 1 ? '' : 's'}; give [${n}, ${k}] rows${k > 1 ? ` or [${n}] class ids` : ''}`);
}

function split(data: { x: ShapedArray; y: ShapedArray }, model: ModelInterface, what: string): DataSplit {
  const x = inputs(data.x, model, `${what} x`);
  return { x: x.values, ...targets(data.y, x.n, model, `${what} y`), n: x.n };
}

const emptySplit = (): DataSplit => ({ x: new Float32Array(0), y: new Float32Array(0), labels: new Int32Array(0), n: 0 });

/**
 * The caller's arrays as a dataset for `model`. Without validation data the validation split is
 * empty and the val_* values are NaN. `what` names the call in messages ("fit").
 */
export function inMemoryDataset(data: InMemorySplits, model: ModelInterface, what: string, name = 'arrays'): LoadedDataset {
  const train = split(data.train, model, `${what}: training`);
  if (train.n === 0) throw new UserError(`${what}: the training data holds no samples`);
  const validation = data.validation ? split(data.validation, model, `${what}: validation`) : emptySplit();
  const binary = model.outputActivation === 'sigmoid';
  return {
    name,
    inputShape: model.inputShape,
    inputDtype: model.inputDtype,
    labelKind: binary ? 'binary' : 'categorical',
    numClasses: binary && model.outputUnits === 1 ? 2 : model.outputUnits,
    train,
    validation,
    source: `arrays passed to ${what}`,
    info: [`${train.n} train samples`, `${validation.n} validation samples`],
  };
}
