import { NumpyRandomState } from '../src/data/numpy-random';

// Expected values printed by numpy 2.4:
//   r = np.random.RandomState(113); i = np.arange(11228); r.shuffle(i); i[:8]
//   r = np.random.RandomState(113); a = np.arange(25000); r.shuffle(a); b = np.arange(25000); r.shuffle(b)
describe("numpy's legacy RandomState shuffle (Keras load_data)", () => {
  test('MT19937 from init_genrand gives the reference outputs', () => {
    const r = new NumpyRandomState(5489);
    expect([r.nextUint32(), r.nextUint32()]).toEqual([3499211612, 581869302]);
  });

  test('the Reuters shuffle with seed 113 equals numpy', () => {
    const order = new NumpyRandomState(113).permutation(11228);
    expect(Array.from(order.subarray(0, 8))).toEqual([1341, 4427, 5095, 2044, 3024, 1792, 1931, 2375]);
    expect(new Set(order).size).toBe(11228);
  });

  test('the IMDB shuffles continue one generator: train, then test', () => {
    const r = new NumpyRandomState(113);
    const train = r.permutation(25000);
    const test = r.permutation(25000);
    expect(Array.from(train.subarray(0, 5))).toEqual([7798, 13226, 18078, 793, 17499]);
    expect(Array.from(test.subarray(0, 5))).toEqual([22748, 4083, 8015, 13688, 5310]);
  });
});
