import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Rng } from '../src/rng';
import { loadNativeAddon, type NativeAddon } from '../src/engine/native-addon';
import { disableNativeKernels, enableNativeKernels, nativeKernelNames } from '../src/engine/native';

/**
 * Every native kernel against tfjs's own cpu kernel on random inputs, over grids of shapes,
 * transposes, batch dims, strides and paddings. Error measure: max |native - cpu| / max |cpu|.
 */

const TOLERANCE = 1e-4;
const { addon, reason } = loadNativeAddon();
const skipReason = !addon ? `native kernel addon ${reason}` : process.env.IS_BENCH_NATIVE === '0' ? 'IS_BENCH_NATIVE=0' : undefined;
if (skipReason) console.warn(`native-kernels tests skipped: ${skipReason}`);
/** Runs the suite, or shows it as skipped with the reason in its name. */
const suite = (title: string, body: () => void) => (skipReason ? describe.skip(`${title} (skipped: ${skipReason})`, body) : describe(title, body));

type Input = { values: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' };
type Output = { values: Float32Array | Int32Array; shape: number[] };

const rng = new Rng('native-kernels');

function randomInput(shape: number[]): Input {
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = rng.next() * 2 - 1;
  return { values, shape, dtype: 'float32' };
}

function intInput(shape: number[], low: number, high: number): Input {
  const values = new Int32Array(tf.util.sizeFromShape(shape));
  for (let i = 0; i < values.length; i++) values[i] = low + rng.int(high - low);
  return { values, shape, dtype: 'int32' };
}

async function runKernel(backend: 'wasm' | 'cpu', kernel: string, inputs: Record<string, Input | undefined>, attrs: object): Promise<Output> {
  await tf.setBackend(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) if (input) tensors[name] = tf.tensor(input.values, input.shape, input.dtype);
  const out = tf.engine().runKernel(kernel, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
  const result = { values: out.dataSync() as Float32Array | Int32Array, shape: out.shape };
  out.dispose();
  Object.values(tensors).forEach((t) => t.dispose());
  return result;
}

function relativeError(actual: Output, expected: Output): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.values.length; i++) {
    diff = Math.max(diff, Math.abs(actual.values[i] - expected.values[i]));
    scale = Math.max(scale, Math.abs(expected.values[i]));
  }
  return Number.isNaN(diff) ? Infinity : diff / (scale || 1);
}

/**
 * Runs `kernel` natively on wasm and on cpu; returns a description of the mismatch, or null.
 * `calls` is the addon function that must have run (so a silent fallback fails the test).
 */
async function mismatch(
  label: string, kernel: string, inputs: Record<string, Input | undefined>, attrs: object,
  call: Exclude<keyof NativeAddon, 'abiVersion' | 'StepPlan'>, reference?: () => Promise<Output>,
): Promise<string | null> {
  const spy = jest.spyOn(addon as NativeAddon, call);
  const native = await runKernel('wasm', kernel, inputs, attrs);
  const called = spy.mock.calls.length;
  spy.mockRestore();
  const expected = reference ? await reference() : await runKernel('cpu', kernel, inputs, attrs);
  if (called !== 1) return `${label}: addon.${call} ran ${called} times`;
  if (!tf.util.arraysEqual(native.shape, expected.shape)) return `${label}: shape [${native.shape}] vs cpu [${expected.shape}]`;
  const err = relativeError(native, expected);
  return err <= TOLERANCE ? null : `${label}: relative error ${err.toExponential(2)}`;
}

function product<T extends unknown[][]>(...lists: T): { [K in keyof T]: T[K][number] }[] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]) as never;
}

suite('native kernels match tfjs cpu kernels', () => {
  beforeAll(async () => {
    setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
    await tf.setBackend('wasm');
    expect(enableNativeKernels()).not.toBeNull();
  });
  afterAll(() => disableNativeKernels());

  test('nativeKernelNames lists what enableNativeKernels registered', () => {
    const names = nativeKernelNames();
    expect(names).toEqual(expect.arrayContaining(['BatchMatMul', 'Conv2DBackpropFilter', 'UnsortedSegmentSum']));
    for (const name of names) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  test('BatchMatMul: every transpose combination, batch dims, broadcasting, odd sizes', async () => {
    const failures: string[] = [];
    const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [17, 33, 9], [64, 70, 31]];
    const batches: [number[], number[]][] = [[[], []], [[3], [3]], [[3], []], [[], [2]], [[2, 3], [1]], [[1, 2], [4, 1, 1]]];
    for (const [[m, k, n], transposeA, transposeB, [outerA, outerB]] of product(sizes, [false, true], [false, true], batches)) {
      const a = randomInput([...outerA, ...(transposeA ? [k, m] : [m, k])]);
      const b = randomInput([...outerB, ...(transposeB ? [n, k] : [k, n])]);
      const label = `a[${a.shape}] b[${b.shape}] tA=${transposeA} tB=${transposeB}`;
      // tfjs's cpu kernel only broadcasts when one side has a single matrix; for the general case
      // the reference multiplies inputs tiled to the full batch shape.
      const general = tf.util.sizeFromShape(outerA) > 1 && tf.util.sizeFromShape(outerB) > 1 && !tf.util.arraysEqual(outerA, outerB);
      const reference = general ? () => tiledMatMul(a, b, transposeA, transposeB) : undefined;
      failures.push((await mismatch(label, 'BatchMatMul', { a, b }, { transposeA, transposeB }, 'batchMatMul', reference)) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('products large enough to be split across the thread pool, by rows and by columns', async () => {
    // native/src/gemm.cc cuts products of 4 MFLOP and more into row blocks (m >= n) or column
    // blocks (n > m) of whole multiples of 32; these sizes are not multiples, so the last block is short.
    const failures: string[] = [];
    const sizes: [number, number, number][] = [[130, 200, 97], [96, 100, 333]];
    for (const [[m, k, n], transposeA, transposeB, outer] of product(sizes, [false, true], [false, true], [[], [2]])) {
      const a = randomInput([...outer, ...(transposeA ? [k, m] : [m, k])]);
      const b = randomInput(transposeB ? [n, k] : [k, n]);
      const label = `a[${a.shape}] b[${b.shape}] tA=${transposeA} tB=${transposeB}`;
      failures.push((await mismatch(label, 'BatchMatMul', { a, b }, { transposeA, transposeB }, 'batchMatMul')) ?? '');
    }
    // Filter gradients accumulate over blocks of output pixels (beta = 1) in split products.
    // (1M-float im2col blocks: 1,872 output pixels of depth 576 make two.)
    const xShape: [number, number, number, number] = [13, 14, 14, 64];
    const filterShape: [number, number, number, number] = [3, 3, 64, 4];
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, 1, 1, 'valid');
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1, filterShape, inputShape: xShape };
    failures.push((await mismatch('conv filter gradient', 'Conv2DBackpropFilter', { x: randomInput(xShape), dy: randomInput(info.outShape) }, attrs, 'conv2dBackpropFilter')) ?? '');
    failures.push((await mismatch('conv input gradient', 'Conv2DBackpropInput', { dy: randomInput(info.outShape), filter: randomInput(filterShape) }, attrs, 'conv2dBackpropInput')) ?? '');
    failures.push((await mismatch('conv forward', 'Conv2D', { x: randomInput(xShape), filter: randomInput(filterShape) }, attrs, 'conv2d')) ?? '');
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('_FusedMatMul: bias shapes and every activation tfjs fuses', async () => {
    const failures: string[] = [];
    const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'];
    const biases: (number[] | null)[] = [null, [13], [1], [2, 9, 13]];
    for (const [activation, biasShape, transposeA, transposeB] of product(activations, biases, [false, true], [false, true])) {
      const a = randomInput(transposeA ? [2, 11, 9] : [2, 9, 11]);
      const b = randomInput(transposeB ? [2, 13, 11] : [2, 11, 13]);
      const bias = biasShape ? randomInput(biasShape) : undefined;
      const attrs = { transposeA, transposeB, activation, leakyreluAlpha: 0.15 };
      const label = `${activation} bias=[${biasShape ?? 'none'}] tA=${transposeA} tB=${transposeB}`;
      failures.push((await mismatch(label, '_FusedMatMul', { a, b, bias }, attrs, 'batchMatMul')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  const convShapes: [number, number, number, number][] = [[1, 5, 5, 1], [2, 9, 8, 3], [2, 12, 11, 4]];
  const filters: [number, number][] = [[1, 1], [3, 3], [2, 3], [5, 5]];
  const strides: (number | [number, number])[] = [1, 2, [1, 2]];
  const pads: ('same' | 'valid' | tf.backend_util.ExplicitPadding)[] = ['same', 'valid', [[0, 0], [1, 2], [0, 1], [0, 0]]];

  function convCases() {
    return product(convShapes, filters, strides, pads).flatMap(([xShape, [fh, fw], stride, pad]) => {
      const outC = xShape[3] + 2;
      const filterShape = [fh, fw, xShape[3], outC] as [number, number, number, number];
      let info: tf.backend_util.Conv2DInfo;
      try {
        info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad);
      } catch {
        return [];
      }
      if (info.outHeight <= 0 || info.outWidth <= 0) return [];
      const label = `x[${xShape}] f[${filterShape}] s=${stride} pad=${JSON.stringify(pad)}`;
      return [{ xShape, filterShape, stride, pad, outShape: info.outShape, label }];
    });
  }

  test('Conv2D: filter sizes, strides, paddings, dilations', async () => {
    const failures: string[] = [];
    for (const c of convCases()) {
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
      failures.push((await mismatch(c.label, 'Conv2D', { x: randomInput(c.xShape), filter: randomInput(c.filterShape) }, attrs, 'conv2d')) ?? '');
    }
    for (const pad of ['same', 'valid'] as const) {
      const attrs = { strides: 1, pad, dataFormat: 'NHWC', dilations: [2, 2] };
      const inputs = { x: randomInput([2, 11, 10, 3]), filter: randomInput([3, 3, 3, 4]) };
      failures.push((await mismatch(`dilation 2 pad=${pad}`, 'Conv2D', inputs, attrs, 'conv2d')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('FusedConv2D: bias and activation', async () => {
    const failures: string[] = [];
    for (const [activation, pad] of product(['linear', 'relu', 'leakyrelu', 'sigmoid'], ['same', 'valid'] as const)) {
      const inputs = { x: randomInput([2, 8, 7, 3]), filter: randomInput([3, 3, 3, 5]), bias: randomInput([5]) };
      const attrs = { strides: 1, pad, dataFormat: 'NHWC', dilations: 1, activation, leakyreluAlpha: 0.2 };
      failures.push((await mismatch(`${activation} ${pad}`, 'FusedConv2D', inputs, attrs, 'conv2d')) ?? '');
    }
    // A bias of the output's full shape (batch 64 spans several im2col blocks), and a scalar one.
    for (const biasShape of [[64, 16, 16, 8], [1]]) {
      const inputs = { x: randomInput([64, 16, 16, 32]), filter: randomInput([3, 3, 32, 8]), bias: randomInput(biasShape) };
      const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
      failures.push((await mismatch(`bias [${biasShape}]`, 'FusedConv2D', inputs, attrs, 'conv2d')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('Conv2DBackpropInput: filter sizes, strides, paddings', async () => {
    const failures: string[] = [];
    for (const c of convCases()) {
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.xShape };
      const inputs = { dy: randomInput(c.outShape), filter: randomInput(c.filterShape) };
      failures.push((await mismatch(c.label, 'Conv2DBackpropInput', inputs, attrs, 'conv2dBackpropInput')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('Conv2DBackpropFilter: filter sizes, strides, paddings', async () => {
    const failures: string[] = [];
    for (const c of convCases()) {
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape };
      const inputs = { x: randomInput(c.xShape), dy: randomInput(c.outShape) };
      failures.push((await mismatch(c.label, 'Conv2DBackpropFilter', inputs, attrs, 'conv2dBackpropFilter')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('MaxPoolGrad: windows, strides, paddings, ties', async () => {
    const failures: string[] = [];
    const cases = product([[2, 9, 8, 3], [1, 6, 6, 2]] as [number, number, number, number][], [2, 3], [1, 2], ['same', 'valid'] as const);
    for (const [xShape, filterSize, stride, pad] of cases) {
      const info = tf.backend_util.computePool2DInfo(xShape, filterSize, stride, 1, pad);
      // Small integers make ties, which must go to the window's first maximum, as in tfjs.
      for (const ties of [false, true]) {
        const x = ties ? { ...intInput(xShape, 0, 3), dtype: 'float32' as const } : randomInput(xShape);
        if (ties) x.values = Float32Array.from(x.values);
        const attrs = { filterSize, strides: stride, pad };
        const label = `x[${xShape}] window ${filterSize} stride ${stride} ${pad}${ties ? ' ties' : ''}`;
        failures.push((await mismatch(label, 'MaxPoolGrad', { dy: randomInput(info.outShape), input: x, output: randomInput(info.outShape) }, attrs, 'maxPoolGrad')) ?? '');
      }
    }
    // Windows of -Infinity or NaN pass no gradient in tfjs.
    // Three 2x2 windows: all -Infinity, all NaN, and NaN with a tie.
    const x = { values: Float32Array.from([-Infinity, -Infinity, NaN, NaN, NaN, 3, -Infinity, -Infinity, NaN, NaN, 3, NaN]), shape: [1, 2, 6, 1], dtype: 'float32' as const };
    const dy = { values: Float32Array.from([5, 6, 7]), shape: [1, 1, 3, 1], dtype: 'float32' as const };
    const attrs = { filterSize: 2, strides: 2, pad: 'valid' };
    failures.push((await mismatch('-inf and NaN windows', 'MaxPoolGrad', { dy, input: x, output: dy }, attrs, 'maxPoolGrad')) ?? '');
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('UnsortedSegmentSum: float32 and int32, out-of-range ids dropped', async () => {
    const failures: string[] = [];
    for (const [rows, inner, segments, dtype] of product([1, 7, 300], [[], [5], [3, 4]], [1, 6, 50], ['float32', 'int32'] as const)) {
      const shape = [rows, ...inner];
      const x = dtype === 'float32' ? randomInput(shape) : intInput(shape, -20, 20);
      const ids = intInput([rows], -1, segments + 1);
      const label = `x[${shape}] ${dtype} segments=${segments}`;
      failures.push((await mismatch(label, 'UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments: segments }, 'unsortedSegmentSum')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('GatherV2: axes, batch dims, dtypes; out-of-range indices throw like tfjs', async () => {
    const failures: string[] = [];
    const cases: [number[], number, number, number[]][] = [
      [[20, 5], 0, 0, [7]], [[20, 5], 0, 0, [3, 4]], [[4, 20, 3], 1, 0, [6]], [[6, 9], 1, 0, [2, 2]], [[3, 10, 4], 1, 1, [3, 5]], [[30], 0, 0, [12]],
      // A batch of training rows, enough bytes to be copied by two threads.
      [[600, 784], 0, 0, [128]], [[2, 300, 200], 1, 1, [2, 90]],
    ];
    for (const [[shape, axis, batchDims, indicesShape], dtype] of product(cases, ['float32', 'int32'] as const)) {
      const x = dtype === 'float32' ? randomInput(shape) : intInput(shape, -50, 50);
      const indices = intInput(indicesShape, 0, shape[axis]);
      const label = `x[${shape}] ${dtype} axis ${axis} batchDims ${batchDims} indices[${indicesShape}]`;
      failures.push((await mismatch(label, 'GatherV2', { x, indices }, { axis, batchDims }, 'gather')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => tf.gather(tf.ones([5, 2]), tf.tensor1d([1, 5], 'int32')))).toThrow('GatherV2: the index value 5 is not in [0, 4]');
    expect(tf.memory().numTensors).toBe(before);
  });

  test('Sqrt: matches cpu, NaN for negatives', async () => {
    const failures: string[] = [];
    for (const shape of [[1], [7], [33, 17], [4, 5, 6]]) {
      const x = randomInput(shape);
      x.values = x.values.map(Math.abs);
      failures.push((await mismatch(`x[${shape}]`, 'Sqrt', { x }, {}, 'sqrt')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
    const negative = await runKernel('wasm', 'Sqrt', { x: { values: Float32Array.from([-1, 4]), shape: [2], dtype: 'float32' } }, {});
    expect(Number.isNaN(negative.values[0])).toBe(true);
    expect(negative.values[1]).toBe(2);
  });

  test('Identity and same-dtype Cast share memory; other casts still convert', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([[1.5, -2], [3, 4]]);
    const buffers = (tf.memory() as { numDataBuffers: number }).numDataBuffers;
    const copy = tf.engine().runKernel('Identity', { x }, {}) as tf.Tensor;
    const same = tf.engine().runKernel('Cast', { x }, { dtype: 'float32' }) as tf.Tensor;
    expect((tf.memory() as { numDataBuffers: number }).numDataBuffers).toBe(buffers);
    x.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1.5, -2, 3, 4]);
    expect(Array.from(same.dataSync())).toEqual([1.5, -2, 3, 4]);
    const ints = tf.cast(same, 'int32');
    expect(ints.dtype).toBe('int32');
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3, 4]);
    const floats = tf.cast(tf.tensor1d([7, -1], 'int32'), 'float32');
    expect(Array.from(floats.dataSync())).toEqual([7, -1]);
    tf.dispose([copy, same, ints, floats]);
  });

  test('Sum: leading, trailing, middle and all axes, keepDims', async () => {
    const failures: string[] = [];
    const axesList: number[][] = [[0], [0, 1, 2], [3], [1, 2], [2, 3], [0, 1, 2, 3]];
    for (const [axis, keepDims] of product(axesList, [false, true])) {
      const x = randomInput([5, 6, 7, 9]);
      failures.push((await mismatch(`axes [${axis}] keepDims=${keepDims}`, 'Sum', { x }, { axis, keepDims }, 'reduceSum')) ?? '');
    }
    expect(failures.filter(Boolean)).toEqual([]);
  });

  test('inputs a native kernel does not handle go to the wasm kernel it replaced', async () => {
    // Non-adjacent axes: the native Sum hands over to wasm's, which must still agree with cpu.
    const x = randomInput([4, 5, 6]);
    const spy = jest.spyOn(addon as NativeAddon, 'reduceSum');
    const viaWasm = await runKernel('wasm', 'Sum', { x }, { axis: [0, 2], keepDims: false });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(relativeError(viaWasm, await runKernel('cpu', 'Sum', { x }, { axis: [0, 2], keepDims: false }))).toBeLessThanOrEqual(TOLERANCE);
  });

  test('a conv filter whose channels disagree with the input is refused, not read past', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 3]);
    const filter = tf.zeros([3, 3, 4, 2]);
    expect(() => tf.engine().runKernel('Conv2D', { x, filter }, { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 })).toThrow(/disagree on channels/);
    tf.dispose([x, filter]);
  });

  test('the addon rejects operands outside the heap instead of reading past it', () => {
    const heap = new ArrayBuffer(64);
    expect(() => (addon as NativeAddon).sgemm(heap, false, false, 4, 4, 4, 0, 0, 32)).toThrow(/outside the heap/);
    expect(() => (addon as NativeAddon).sgemm(heap, false, false, 2, 2, 2, 2, 16, 32)).toThrow(/outside the heap/);
  });
});

/** Reference for general batch broadcasting: tile both operands to the output batch shape on cpu. */
async function tiledMatMul(a: Input, b: Input, transposeA: boolean, transposeB: boolean): Promise<Output> {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const expand = (t: Input, o: number[]) => {
      const padded = [...new Array<number>(outer.length - o.length).fill(1), ...o];
      const x = tf.tensor(t.values, [...padded, ...t.shape.slice(-2)]);
      return tf.tile(x, [...outer.map((d, i) => (padded[i] === 1 ? d : 1)), 1, 1]);
    };
    const out = tf.matMul(expand(a, outerA), expand(b, outerB), transposeA, transposeB);
    return { values: out.dataSync() as Float32Array, shape: out.shape };
  });
}
