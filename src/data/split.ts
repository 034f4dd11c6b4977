import type { DataSplit } from '../spec';

/** Values per sample of a split's inputs and targets. */
function widths(split: DataSplit): { x: number; y: number } {
  return { x: split.n === 0 ? 0 : split.x.length / split.n, y: split.n === 0 ? 0 : split.y.length / split.n };
}

/** Samples [from, to) of a split, as views (no copy). */
export function sliceSplit(split: DataSplit, from: number, to: number): DataSplit {
  const w = widths(split);
  return {
    x: split.x.subarray(from * w.x, to * w.x) as DataSplit['x'],
    y: split.y.subarray(from * w.y, to * w.y),
    labels: split.labels.subarray(from, to),
    n: to - from,
  };
}

/** The first `n` samples of a split (deterministic subsetting for --limit). */
export function takeFirst(split: DataSplit, n: number): DataSplit {
  return n >= split.n ? split : sliceSplit(split, 0, n);
}

/** The samples at `order` positions, in that order (a copy). */
export function reorderSplit(split: DataSplit, order: ArrayLike<number>): DataSplit {
  const w = widths(split);
  const x = split.x instanceof Int32Array ? new Int32Array(order.length * w.x) : new Float32Array(order.length * w.x);
  const y = new Float32Array(order.length * w.y);
  const labels = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const j = order[i];
    x.set(split.x.subarray(j * w.x, (j + 1) * w.x), i * w.x);
    y.set(split.y.subarray(j * w.y, (j + 1) * w.y), i * w.y);
    labels[i] = split.labels[j];
  }
  return { x, y, labels, n: order.length };
}
