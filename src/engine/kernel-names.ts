/**
 * The custom kernels is-bench registers beside tfjs's own (tfjs has no op for them): their names
 * and attribute types, in one place. src/engine/native-kernels.ts implements them for the wasm
 * backend; src/train and src/models run them with `tf.engine().runKernel` where the active
 * backend has them, and fall back to tfjs ops where it does not.
 */

/** Dropout in one pass (src/models/seeded-dropout.ts runs it). */
export const DROPOUT_KERNEL = 'IsBenchDropout';

/** Attributes of DROPOUT_KERNEL; see dropoutMask in src/models/seeded-dropout.ts. */
export interface DropoutAttrs {
  seed: number;
  threshold: number;
  scale: number;
}

/** One uncentered RMSprop step of a weight tensor (src/train/native-rmsprop.ts runs it). */
export const RMSPROP_UPDATE_KERNEL = 'IsBenchRMSPropUpdate';

/** Attributes of RMSPROP_UPDATE_KERNEL: the optimizer's scalars. */
export interface RmspropUpdateAttrs {
  decay: number;
  momentum: number;
  learningRate: number;
  epsilon: number;
}

/** One Adam step of a weight tensor (src/train/native-adam.ts runs it). */
export const ADAM_UPDATE_KERNEL = 'IsBenchAdamUpdate';

/** Attributes of ADAM_UPDATE_KERNEL: the optimizer's scalars. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  learningRate: number;
  epsilon: number;
}
