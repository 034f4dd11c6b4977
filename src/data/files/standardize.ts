import type { DataSplit } from '../../spec';

/**
 * Per-feature (x - mean) / std with the statistics of `train` only, so nothing of the
 * validation or test data leaks into the inputs. A constant feature is only centred.
 * Returns new splits (the loaded arrays may be views of a cache file's buffer).
 */
export function standardizeSplits(train: DataSplit, others: DataSplit[], width: number): { train: DataSplit; others: DataSplit[]; constant: number } {
  const mean = new Float64Array(width);
  const sq = new Float64Array(width);
  for (let i = 0; i < train.n; i++) {
    for (let j = 0; j < width; j++) mean[j] += train.x[i * width + j];
  }
  for (let j = 0; j < width; j++) mean[j] /= train.n;
  for (let i = 0; i < train.n; i++) {
    for (let j = 0; j < width; j++) sq[j] += (train.x[i * width + j] - mean[j]) ** 2;
  }
  let constant = 0;
  const scale = Array.from(sq, (s) => {
    const std = Math.sqrt(s / train.n);
    if (std > 0) return 1 / std;
    constant++;
    return 1;
  });
  const apply = (s: DataSplit): DataSplit => {
    const x = new Float32Array(s.x.length);
    for (let k = 0; k < x.length; k++) {
      const j = k % width;
      x[k] = (s.x[k] - mean[j]) * scale[j];
    }
    return { ...s, x };
  };
  return { train: apply(train), others: others.map(apply), constant };
}
