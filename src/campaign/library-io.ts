/**
 * What the library's entry points (fit, compare) share: turning the caller's tensors or arrays
 * into flat values, the run's events (progress only when asked, and the caller's callbacks),
 * and option checks worded like a config's.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { describeIssues } from '../config/issues';
import type { ShapedArray } from '../data/in-memory';
import { UserError } from '../errors';
import { PlainProgress } from '../record/progress';
import { silentEvents, type EpochRecord, type RunEvents, type StepProgress } from '../spec';

/** A tensor, or what tf.tensor() takes: nested arrays of numbers, a typed array. */
export type ArrayInput = tf.Tensor | tf.TensorLike;

/** A tf.Tensor, also from another copy of tfjs (instanceof would miss it). */
function isTensor(value: unknown): value is tf.Tensor {
  const t = value as Partial<tf.Tensor> | null;
  return value instanceof tf.Tensor || (t !== null && typeof t === 'object' && typeof t.dataSync === 'function' && Array.isArray(t.shape) && typeof t.dtype === 'string');
}

/** The caller's values, flat, with their shape; the caller's tensor is left as it was. */
export function shapedArray(value: ArrayInput, what: string): ShapedArray {
  if (isTensor(value)) {
    if (value.isDisposed) throw new UserError(`${what}: the tensor has been disposed`);
    if (value.dtype !== 'float32' && value.dtype !== 'int32' && value.dtype !== 'bool') {
      throw new UserError(`${what}: a ${value.dtype} tensor; expected numbers (float32 or int32)`);
    }
    const values = value.dataSync();
    return { values: values instanceof Int32Array ? Int32Array.from(values) : Float32Array.from(values), shape: [...value.shape] };
  }
  if (value === null || value === undefined) throw new UserError(`${what} is required: a tf.Tensor or a (nested) array of numbers`);
  return nestedArray(value, what);
}

const isList = (v: unknown): v is ArrayLike<unknown> => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** Nested arrays (or typed arrays) of numbers, every row of a level as long as the first. */
function nestedArray(value: unknown, what: string): ShapedArray {
  const shape: number[] = [];
  for (let level: unknown = value; isList(level); level = level[0]) shape.push(level.length);
  if (!shape.length) throw new UserError(`${what}: expected a tf.Tensor or a (nested) array of numbers, got ${typeof value}`);
  const values: number[] = [];
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean') throw new UserError(`${what}${at} is ${JSON.stringify(v) ?? typeof v}; expected a number`);
      values.push(Number(v));
      return;
    }
    if (!isList(v) || v.length !== shape[depth]) {
      const got = isList(v) ? `${v.length} values` : `${typeof v}`;
      throw new UserError(`${what}${at}: ${got}, where the first row of this level has ${shape[depth]}; every row must have the same length`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, `${at}[${i}]`);
  };
  walk(value, 0, '');
  const ints = value instanceof Int32Array || (shape.length > 1 && isList(value) && (value as ArrayLike<unknown>)[0] instanceof Int32Array);
  return { values: ints ? Int32Array.from(values) : Float32Array.from(values), shape };
}

/** Called as a run goes on; like Keras' callbacks, but `onEpochEnd` receives the whole epoch record (a CSV row). */
export interface TrainingCallbacks {
  /** After every epoch of an arm: the 0-based epoch index (Keras' convention) and the epoch's record (its `epoch` is 1-based). */
  onEpochEnd?(epoch: number, record: EpochRecord, arm: string): void;
  /** After every training step: the 0-based step within the epoch and the epoch's running means. */
  onBatchEnd?(step: number, progress: StepProgress, arm: string): void;
}

/**
 * The run's events: nothing printed unless `verbose` (then one plain line per arm and epoch on
 * stdout, as the CLI prints in a pipe), and the callbacks called in order.
 */
export function libraryEvents(verbose: boolean, callbacks: readonly TrainingCallbacks[]): RunEvents {
  const shown = verbose ? new PlainProgress(process.stdout) : silentEvents;
  let epoch = 0;
  return {
    log: (line) => shown.log(line),
    epochStart: (e, total) => {
      epoch = e - 1;
      shown.epochStart(e, total);
    },
    armEpochStart: (arm, planned) => shown.armEpochStart(arm, planned),
    step: (arm, p) => {
      shown.step(arm, p);
      callbacks.forEach((c) => c.onBatchEnd?.(p.step - 1, p, arm));
    },
    armEpochEnd: (arm, record, status) => {
      shown.armEpochEnd(arm, record, status);
      if (record) callbacks.forEach((c) => c.onEpochEnd?.(epoch, record, arm));
    },
    epochEnd: (e) => shown.epochEnd(e),
  };
}

/** Checks `value` against `schema`; every problem in one UserError, worded as in a config (`fit options.epochs must be ...`). */
export function checkedOptions<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw new UserError(describeIssues(parsed.error, schema as z.ZodTypeAny, value ?? {}, [where]).join('\n'));
}

/** Callbacks given as one object or a list. */
export function callbackList(callbacks: TrainingCallbacks | readonly TrainingCallbacks[] | undefined): readonly TrainingCallbacks[] {
  if (callbacks === undefined) return [];
  return Array.isArray(callbacks) ? callbacks : [callbacks as TrainingCallbacks];
}
