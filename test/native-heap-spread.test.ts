import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { heapSpreadEnabled, setHeapSpread, spreadOffset, SPREAD_MIN_BYTES } from '../src/engine/heap-spread';
import { loadNativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels } from '../src/engine/native';

/**
 * src/engine/heap-spread.ts: large wasm-heap blocks are handed out at rotating cache-line offsets
 * within a page, and every one is freed through the block the allocator returned.
 */

interface Allocator {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

/**
 * A bump allocator shaped like an Emscripten module: `_malloc` starts as a trampoline that
 * replaces itself with the real function on its first call, as Emscripten's exports do.
 */
function fakeModule(): Allocator & { live: Map<number, number>; freed: number[] } {
  let top = 8;
  const live = new Map<number, number>();
  const freed: number[] = [];
  const module = {
    live,
    freed,
    _malloc(bytes: number): number {
      const real = (n: number): number => {
        const p = top + 8; // like dlmalloc: 8 bytes past the chunk header
        top = p + n;
        live.set(p, n);
        return p;
      };
      module._malloc = real;
      return real(bytes);
    },
    _free(pointer: number): void {
      if (!live.delete(pointer)) throw new Error(`free of ${pointer}, which malloc never returned`);
      freed.push(pointer);
    },
  };
  return module;
}

describe('heap spread on an allocator', () => {
  test('spreadOffset visits all 64 cache lines of a page before repeating', () => {
    // Hand-computed: 5 lines (320 bytes) per block, modulo the 64 lines of a page.
    expect([0, 1, 2, 12, 13, 63, 64].map(spreadOffset)).toEqual([0, 320, 640, 3840, 64, 3776, 0]);
    const offsets = new Set(Array.from({ length: 64 }, (_, n) => spreadOffset(n)));
    expect(offsets.size).toBe(64);
    for (const o of offsets) expect(o % 64).toBe(0);
  });

  test('large blocks start at rotating page offsets, inside their block; small ones are untouched; frees go to the real block', () => {
    const m = fakeModule();
    // Installed before the first allocation: the trampoline must not drop the wrappers.
    setHeapSpread(m, true);
    const sizes = [SPREAD_MIN_BYTES, 100, 1605632, 1605632, 1605632, 262144];
    const pointers = sizes.map((n) => m._malloc(n));
    const large = pointers.filter((_, i) => sizes[i] >= SPREAD_MIN_BYTES);
    expect(large.map((p) => p % 4096)).toEqual([0, 1, 2, 3, 4].map(spreadOffset));
    for (const [i, p] of pointers.entries()) {
      const block = [...m.live.entries()].find(([b, n]) => p >= b && p + sizes[i] <= b + n);
      expect(block).toBeDefined();
    }
    expect(m.live.has(pointers[1])).toBe(true); // the small block is the allocator's own
    for (const p of pointers) m._free(p);
    expect(m.live.size).toBe(0);
  });

  test('turned off, new blocks are the allocator\'s own, and blocks spread earlier still free right', () => {
    const m = fakeModule();
    setHeapSpread(m, true);
    const spread = m._malloc(1 << 20);
    setHeapSpread(m, false);
    expect(heapSpreadEnabled(m)).toBe(false);
    const plain = m._malloc(1 << 20);
    expect(m.live.has(plain)).toBe(true);
    m._free(spread);
    m._free(plain);
    expect(m.live.size).toBe(0);
  });
});

const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native heap-spread tests skipped: ${skipReason}`);
const nativeSuite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

nativeSuite('heap spread on the wasm backend', () => {
  type WasmBackend = { wasm: Allocator & { HEAPU8: Uint8Array }; dataIdMap: { get(id: object): { memoryOffset: number } } };
  let backend: WasmBackend;
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
    backend = tf.findBackend('wasm') as unknown as WasmBackend;
  });
  afterAll(() => disableNativeKernels());

  test('enableNativeKernels turns it on and disableNativeKernels off', () => {
    expect(heapSpreadEnabled(backend.wasm)).toBe(true);
    disableNativeKernels();
    expect(heapSpreadEnabled(backend.wasm)).toBe(false);
    enableNativeKernels();
    expect(heapSpreadEnabled(backend.wasm)).toBe(true);
  });

  test('same-sized tensors land at different page offsets and keep their values', () => {
    const values = Float32Array.from({ length: 784 * 512 }, (_, i) => Math.sin(i));
    const tensors = Array.from({ length: 7 }, (_, k) => tf.tensor2d(values.map((v) => v + k), [784, 512]));
    const offsets = tensors.map((t) => backend.dataIdMap.get(t.dataId).memoryOffset % 4096);
    expect(new Set(offsets).size).toBe(7);
    for (const o of offsets) expect(o % 64).toBe(0);
    tensors.forEach((t, k) => expect(Array.from(t.dataSync().subarray(0, 5))).toEqual(Array.from(values.subarray(0, 5), (v) => Math.fround(v + k))));
    tf.dispose(tensors);
  });

  test('repeated allocation and disposal neither leaks tensors nor grows the heap', () => {
    const cycle = () => tf.tidy(() => tf.add(tf.ones([784, 512]), tf.ones([784, 512])).sum().dataSync());
    for (let i = 0; i < 20; i++) cycle();
    const heapBytes = backend.wasm.HEAPU8.length;
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 300; i++) cycle();
    expect(backend.wasm.HEAPU8.length).toBe(heapBytes);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
