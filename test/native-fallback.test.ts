import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * The native kernels are optional: without the addon, or with IS_BENCH_NATIVE=0, nothing is
 * registered and the stock wasm kernels stay; disabling them restores exactly what wasm had.
 */

type NativeModule = typeof import('../src/engine/native');

function freshNative(addonMissing: boolean): NativeModule {
  let mod: NativeModule | undefined;
  jest.isolateModules(() => {
    jest.dontMock('../src/engine/native-addon');
    if (addonMissing) {
      jest.doMock('../src/engine/native-addon', () => ({
        ...jest.requireActual('../src/engine/native-addon'),
        loadNativeAddon: () => ({ addon: null, reason: 'not built (build/Release/is_bench_native.node is missing; run `npm run install`)' }),
      }));
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require('../src/engine/native') as NativeModule;
  });
  return mod!;
}

const addonBuilt = (() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadNativeAddon } = require('../src/engine/native-addon') as typeof import('../src/engine/native-addon');
  return loadNativeAddon().addon !== null;
})();

describe('native kernels fall back cleanly', () => {
  const savedEnv = process.env.IS_BENCH_NATIVE;
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
  });
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.IS_BENCH_NATIVE;
    else process.env.IS_BENCH_NATIVE = savedEnv;
    jest.resetModules();
  });

  test('without the addon: enable returns null, names are empty, wasm kernels untouched', () => {
    delete process.env.IS_BENCH_NATIVE;
    const stock = tf.getKernel('BatchMatMul', 'wasm');
    const native = freshNative(true);
    expect(native.enableNativeKernels()).toBeNull();
    expect(native.nativeKernelNames()).toEqual([]);
    expect(native.nativeKernelsUnavailableReason()).toMatch(/not built/);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stock);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
  });

  test('IS_BENCH_NATIVE=0 disables them even when the addon is built', () => {
    process.env.IS_BENCH_NATIVE = '0';
    const native = freshNative(false);
    expect(native.enableNativeKernels()).toBeNull();
    expect(native.nativeKernelNames()).toEqual([]);
    expect(native.nativeKernelsUnavailableReason()).toMatch(/IS_BENCH_NATIVE=0/);
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
  });

  (addonBuilt ? test : test.skip)('disable restores the stock wasm kernels and drops the ones wasm lacks', () => {
    delete process.env.IS_BENCH_NATIVE;
    const stock = tf.getKernel('BatchMatMul', 'wasm');
    const native = freshNative(false);
    const status = native.enableNativeKernels();
    expect(status).not.toBeNull();
    expect(status!.blas).toMatch(/\S/);
    expect(status!.threads).toBeGreaterThanOrEqual(0);
    expect(native.nativeKernelStatus()).toBe(status);
    expect(tf.getKernel('BatchMatMul', 'wasm')).not.toBe(stock);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    native.disableNativeKernels();
    expect(native.nativeKernelStatus()).toBeNull();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(stock);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(tf.getKernel('UnsortedSegmentSum', 'wasm')).toBeUndefined();
  });

  (addonBuilt ? test : test.skip)('OPENBLAS_NUM_THREADS sets the thread count the addon reports', () => {
    const { execFileSync } = require('child_process') as typeof import('child_process');
    const { ADDON_PATH } = require('../src/engine/native-addon') as typeof import('../src/engine/native-addon');
    const info = (threads: string) => JSON.parse(execFileSync(process.execPath,
      ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(ADDON_PATH)}).info()))`],
      { env: { ...process.env, OPENBLAS_NUM_THREADS: threads } }).toString()) as { blas: string; threads: number };
    const one = info('1');
    if (!/OpenBLAS/.test(one.blas)) return; // Accelerate reports its own setting
    expect(one.threads).toBe(1);
  });
});
