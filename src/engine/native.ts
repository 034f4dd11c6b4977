import * as tf from '@tensorflow/tfjs';
import { ADAM_UPDATE_KERNEL, DROPOUT_KERNEL, RMSPROP_UPDATE_KERNEL } from './kernel-names';
import { setHeapSpread, type WasmAllocator } from './heap-spread';
import { loadNativeAddon } from './native-addon';
import { DROPOUT_GRADIENT, NATIVE_KERNEL_FACTORIES } from './native-kernels';

/**
 * Optional native BLAS kernels for tfjs's wasm backend. `enableNativeKernels` swaps
 * tfjs's wasm kernels for the addon's in the kernel registry and spreads the backend's large
 * allocations over page offsets (heap-spread.ts); `disableNativeKernels` undoes both. Nothing here
 * changes which backend is active.
 */

export interface NativeKernelStatus {
  /** The BLAS the addon links, e.g. "OpenBLAS 0.3.21". */
  blas: string;
  /** Threads the BLAS uses (OPENBLAS_NUM_THREADS when set); 0 when it cannot tell. */
  threads: number;
  /** tfjs kernel names now served natively on the wasm backend. */
  kernels: string[];
}

/**
 * The kernels registered by default: each measured faster than the wasm one it replaces on the
 * reference models, or missing from wasm (Conv2DBackpropFilter, UnsortedSegmentSum). Identity and
 * Cast need no addon code: they share memory instead of copying. See docs/engine.md.
 */
export const DEFAULT_NATIVE_KERNELS: readonly string[] = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2D',
  'FusedConv2D',
  'Conv2DBackpropInput',
  'Conv2DBackpropFilter',
  'UnsortedSegmentSum',
  'MaxPoolGrad',
  'Sum',
  'GatherV2',
  'Sqrt',
  RMSPROP_UPDATE_KERNEL,
  DROPOUT_KERNEL,
  ADAM_UPDATE_KERNEL,
  'Identity',
  'Cast',
];

const BACKEND = 'wasm';

/** The wasm kernels replaced while enabled (undefined where wasm had none). */
let replaced: Map<string, tf.KernelConfig | undefined> | null = null;
let status: NativeKernelStatus | null = null;

function disabledByEnv(): boolean {
  return process.env.IS_BENCH_NATIVE === '0';
}

/** Why enableNativeKernels would return null, or undefined when it would not. */
export function nativeKernelsUnavailableReason(): string | undefined {
  if (disabledByEnv()) return 'disabled by IS_BENCH_NATIVE=0';
  const { addon, reason } = loadNativeAddon();
  return addon ? undefined : `native kernel addon ${reason}`;
}

/** Kernel names enableNativeKernels would provide; empty when the addon is missing or disabled. */
export function nativeKernelNames(): string[] {
  return nativeKernelsUnavailableReason() === undefined ? [...DEFAULT_NATIVE_KERNELS] : [];
}

/**
 * Registers the native kernels for the wasm backend, keeping the wasm kernels they replace.
 * Call after `tf.setBackend('wasm')` has resolved (the wasm kernels must be registered first, or
 * they would later overwrite these). Returns null when the addon is missing, fails to load, or
 * IS_BENCH_NATIVE=0. Calling it again while enabled returns the same status.
 */
export function enableNativeKernels(kernelNames: readonly string[] = DEFAULT_NATIVE_KERNELS): NativeKernelStatus | null {
  if (status) return status;
  if (disabledByEnv()) return null;
  const { addon } = loadNativeAddon();
  if (!addon) return null;
  if (!tf.getKernel('BatchMatMul', BACKEND)) {
    throw new Error('enableNativeKernels: the wasm backend is not loaded; call it after tf.setBackend(\'wasm\')');
  }
  const unknown = kernelNames.filter((name) => !(name in NATIVE_KERNEL_FACTORIES));
  if (unknown.length > 0) throw new Error(`enableNativeKernels: no native kernel for ${unknown.join(', ')}`);

  replaced = new Map();
  for (const kernelName of kernelNames) {
    const original = tf.getKernel(kernelName, BACKEND);
    replaced.set(kernelName, original);
    if (original) tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: NATIVE_KERNEL_FACTORIES[kernelName]({ addon, original }) });
  }
  // Gradients are registered per kernel name, for every backend: one registration serves all.
  if (!tf.getGradient(DROPOUT_GRADIENT.kernelName)) tf.registerGradient(DROPOUT_GRADIENT);
  const wasm = wasmModule();
  if (wasm) setHeapSpread(wasm, true);
  const info = addon.info();
  status = { blas: info.blas, threads: info.threads, kernels: [...kernelNames] };
  return status;
}

/** Restores the stock wasm kernels (and drops the ones wasm never had). */
export function disableNativeKernels(): void {
  if (!replaced) return;
  for (const [kernelName, original] of replaced) {
    if (tf.getKernel(kernelName, BACKEND)) tf.unregisterKernel(kernelName, BACKEND);
    if (original) tf.registerKernel(original);
  }
  const wasm = wasmModule();
  if (wasm) setHeapSpread(wasm, false);
  replaced = null;
  status = null;
}

/** The wasm backend's Emscripten module, once the backend is initialised. */
function wasmModule(): WasmAllocator | undefined {
  const backend = tf.findBackend(BACKEND) as unknown as { wasm?: WasmAllocator } | null;
  return backend?.wasm;
}

/** The active native kernels, or null when they are not enabled. */
export function nativeKernelStatus(): NativeKernelStatus | null {
  return status;
}
