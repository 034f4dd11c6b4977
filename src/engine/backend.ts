import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { enableNativeKernels, nativeKernelsUnavailableReason } from './native';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  /** tfjs backend name: tensorflow, wasm or cpu. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The line printed before training, e.g. "backend: wasm + native kernels (OpenBLAS 0.3.21, 2 threads)". */
  line: string;
  /** Why a faster backend was not used, when it was not. */
  fallbackReason?: string;
  nativeKernels?: { blas: string; threads: number; kernels: string[] };
}

const NATIVE_HINT =
  'for the native backend install @tensorflow/tfjs-node (`npm install @tensorflow/tfjs-node`; its installer downloads libtensorflow)';

function loadTfjsNode(): { ok: true } | { ok: false; reason: string } {
  try {
    require('@tensorflow/tfjs-node');
    return { ok: true };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { ok: false, reason: /Cannot find module '@tensorflow\/tfjs-node'/.test(msg) ? '@tensorflow/tfjs-node is not installed' : `@tensorflow/tfjs-node failed to load (${msg})` };
  }
}

let wasmReady: Promise<boolean> | undefined;

async function activateWasm(): Promise<boolean> {
  if (!wasmReady) {
    wasmReady = (async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
      return tf.setBackend('wasm');
    })();
  }
  return (await wasmReady) && (tf.getBackend() === 'wasm' || tf.setBackend('wasm'));
}

function missingKernels(backend: string, kernels: string[]): string[] {
  return kernels.filter((k) => !tf.getKernel(k, backend));
}

/**
 * Activates a backend. `auto`: tfjs-node when it loads, else wasm (with native kernels when
 * built) if it has every kernel the model needs, else cpu. `needs` are kernel names.
 */
export async function selectBackend(choice: BackendChoice, needs: string[] = []): Promise<BackendInfo> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new UserError(`--backend must be one of ${BACKEND_CHOICES.join(', ')} (got "${choice}")`);
  }
  // Production mode: no debug checks, and no tfjs console banners beside our backend line.
  tf.enableProdMode();
  let reason: string | undefined;
  if (choice === 'auto' || choice === 'tensorflow') {
    const node = loadTfjsNode();
    if (node.ok) {
      await tf.setBackend('tensorflow');
      return { name: 'tensorflow', line: 'backend: tensorflow (native libtensorflow via @tensorflow/tfjs-node)' };
    }
    if (choice === 'tensorflow') throw new UserError(`--backend tensorflow: ${node.reason}; ${NATIVE_HINT}`);
    reason = node.reason;
  }
  if (choice === 'auto' || choice === 'wasm') {
    if (await activateWasm()) {
      const native = enableNativeKernels() ?? undefined;
      const missing = missingKernels('wasm', needs);
      if (missing.length === 0) {
        const engine = native
          ? `wasm + native kernels (${native.blas}, ${native.threads} thread${native.threads === 1 ? '' : 's'})`
          : `wasm (stock kernels: ${nativeKernelsUnavailableReason() ?? 'native kernels off'})`;
        const why = reason ? ` — fallback: ${reason}; ${NATIVE_HINT}` : '';
        return { name: 'wasm', line: `backend: ${engine}${why}`, fallbackReason: reason, nativeKernels: native };
      }
      if (choice === 'wasm') {
        throw new UserError(`--backend wasm: the wasm backend lacks kernels this model needs (${missing.join(', ')}); use --backend cpu, or build the native kernels (see README, Backends)`);
      }
      reason = `${reason ? reason + '; ' : ''}wasm lacks ${missing.join(', ')}`;
    } else if (choice === 'wasm') {
      throw new UserError('--backend wasm: the WebAssembly backend failed to initialise; use --backend cpu');
    } else {
      reason = `${reason ? reason + '; ' : ''}wasm failed to initialise`;
    }
  }
  await tf.setBackend('cpu');
  const why = reason ? ` — fallback: ${reason}; ${NATIVE_HINT}` : '';
  return { name: 'cpu', line: `backend: cpu (pure JavaScript, slow)${why}`, fallbackReason: reason };
}
