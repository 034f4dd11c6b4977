/** One-hot rows (n x numClasses, float32) from class ids. */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const y = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) y[i * numClasses + labels[i]] = 1;
  return y;
}
