import { gemmFlops, referenceWorkload, trainingGemms, type GemmShape } from '../src/bench/reference-workloads';

/**
 * The matrix products of a training step, derived from the zoo's layer lists, equal the lists the
 * engine bench used to write by hand per model (and its docs tables show).
 */

type Row = [role: string, m: number, n: number, k: number, op: 'NN' | 'TN' | 'NT'];
const gemm = ([role, m, n, k, op]: Row): GemmShape => ({ m, n, k, transA: op[0] === 'T', transB: op[1] === 'T', role });

const MLP_128: Row[] = [
  ['dense 784->512 forward', 128, 512, 784, 'NN'],
  ['dense 784->512 weight gradient', 784, 512, 128, 'TN'],
  ['dense 512->512 forward', 128, 512, 512, 'NN'],
  ['dense 512->512 weight gradient', 512, 512, 128, 'TN'],
  ['dense 512->512 input gradient', 128, 512, 512, 'NT'],
  ['dense 512->10 forward', 128, 10, 512, 'NN'],
  ['dense 512->10 weight gradient', 512, 10, 128, 'TN'],
  ['dense 512->10 input gradient', 128, 512, 10, 'NT'],
];

const CNN_128: Row[] = [
  ['conv1 forward', 86528, 32, 9, 'NN'],
  ['conv1 filter gradient', 32, 9, 86528, 'TN'],
  ['conv2 forward', 73728, 64, 288, 'NN'],
  ['conv2 filter gradient', 64, 288, 73728, 'TN'],
  ['conv2 input gradient', 73728, 288, 64, 'NT'],
  ['dense 9216->128 forward', 128, 128, 9216, 'NN'],
  ['dense 9216->128 weight gradient', 9216, 128, 128, 'TN'],
  ['dense 9216->128 input gradient', 128, 9216, 128, 'NT'],
  ['dense 128->10 forward', 128, 10, 128, 'NN'],
  ['dense 128->10 weight gradient', 128, 10, 128, 'TN'],
  ['dense 128->10 input gradient', 128, 128, 10, 'NT'],
];

describe('training-step matrix products derived from the layer list', () => {
  test.each([
    { config: 'mnist-mlp', rows: MLP_128, mflop: 411 },
    { config: 'mnist-cnn', rows: CNN_128, mflop: 9160 },
  ] as const)('zoo $config at its config batch of 128: the hand-written list, $mflop MFLOP', ({ config, rows, mflop }) => {
    const w = referenceWorkload(config);
    expect(w.batch).toBe(128);
    const gemms = trainingGemms(w.layers, w.data.inputShape, w.batch);
    expect(gemms).toEqual(rows.map(gemm));
    expect(Math.round(gemmFlops(gemms) / 1e6)).toBe(mflop);
  });

  test('FLOPs scale linearly with the batch', () => {
    const w = referenceWorkload('mnist-cnn');
    expect(gemmFlops(trainingGemms(w.layers, w.data.inputShape, 8)) * 16).toBe(gemmFlops(trainingGemms(w.layers, w.data.inputShape, 128)));
  });

  test('embedding and pooling have no products, but the dense layer after an embedding needs its input gradient', () => {
    const w = referenceWorkload('imdb-fasttext');
    expect(trainingGemms(w.layers, w.data.inputShape, 32)).toEqual(
      [
        ['dense 50->1 forward', 32, 1, 50, 'NN'],
        ['dense 50->1 weight gradient', 50, 1, 32, 'TN'],
        ['dense 50->1 input gradient', 32, 50, 1, 'NT'],
      ].map((r) => gemm(r as Row)),
    );
  });

  test('a convolution it does not model is refused', () => {
    expect(() =>
      trainingGemms([{ type: 'conv2d', filters: 4, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' }], [28, 28, 1], 4),
    ).toThrow(/stride-1 valid/);
  });
});
