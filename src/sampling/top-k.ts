/** Positions of the k largest values, largest first; ties keep the earlier position first. */
export function topK(values: ArrayLike<number>, k: number): Int32Array {
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => values[b] - values[a] || a - b);
  return Int32Array.from(order.slice(0, Math.min(k, values.length)));
}
