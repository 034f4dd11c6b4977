import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/engine/backend';
import { UserError } from '../src/errors';

const hasTfjsNode = (() => {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('backend choice', () => {
  test('cpu when asked', async () => {
    const info = await selectBackend('cpu');
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.line).toMatch(/^backend: cpu/);
  });

  test('wasm when asked, for a model whose kernels wasm has', async () => {
    const info = await selectBackend('wasm', ['BatchMatMul']);
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.line).toMatch(/^backend: wasm/);
  });

  (hasTfjsNode ? test.skip : test)('auto without tfjs-node falls back and says why and how to get the native one', async () => {
    const info = await selectBackend('auto', ['BatchMatMul']);
    expect(info.name).toBe('wasm');
    expect(info.fallbackReason).toMatch(/tfjs-node is not installed/);
    expect(info.line).toMatch(/fallback: .*tfjs-node.*npm install @tensorflow\/tfjs-node/);
  });

  (hasTfjsNode ? test.skip : test)('forcing tensorflow without tfjs-node is a user error with the install hint', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(UserError);
    await expect(selectBackend('tensorflow')).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
  });

  test('auto picks cpu when the model needs a kernel wasm lacks (and says which)', async () => {
    const info = await selectBackend('auto', ['NoSuchKernelAnywhere']);
    expect(info.name).toBe('cpu');
    expect(info.fallbackReason).toMatch(/wasm lacks NoSuchKernelAnywhere/);
  });

  test('forcing wasm for a model whose kernels it lacks is a user error naming them', async () => {
    await expect(selectBackend('wasm', ['NoSuchKernelAnywhere'])).rejects.toThrow(/wasm backend lacks kernels this model needs \(NoSuchKernelAnywhere\); use --backend cpu/);
  });

  test('an unknown backend name is a user error', async () => {
    await expect(selectBackend('gpu' as never)).rejects.toThrow(/--backend must be one of auto, tensorflow, wasm, cpu \(got "gpu"\)/);
  });
});
