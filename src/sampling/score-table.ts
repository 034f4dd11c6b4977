/**
 * The latest known score of every training sample, for strategies that keep scores from the
 * training passes instead of scoring: unseen samples read as the mean of the seen ones (or
 * `fallback` before any is seen). The sum of seen scores is kept so that mean is O(1).
 */
export class SampleScoreTable {
  private readonly values: Float64Array;
  private readonly seen: Uint8Array;
  private seenCount = 0;
  private seenSum = 0;

  constructor(
    readonly n: number,
    private readonly fallback = 1,
  ) {
    this.values = new Float64Array(n);
    this.seen = new Uint8Array(n);
  }

  has(i: number): boolean {
    return this.seen[i] === 1;
  }

  get seenFraction(): number {
    return this.seenCount / this.n;
  }

  /** Mean over seen samples; the fallback before any is seen. */
  get mean(): number {
    return this.seenCount > 0 ? this.seenSum / this.seenCount : this.fallback;
  }

  get(i: number): number {
    return this.seen[i] ? this.values[i] : this.mean;
  }

  /** Every sample's score (unseen at the mean). */
  all(): Float64Array {
    const m = this.mean;
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.seen[i] ? this.values[i] : m;
    return out;
  }

  set(i: number, value: number): void {
    if (this.seen[i]) this.seenSum += value - this.values[i];
    else {
      this.seen[i] = 1;
      this.seenCount++;
      this.seenSum += value;
    }
    this.values[i] = value;
  }

  /** Exponential moving average per sample: the first observation is taken as is. */
  updateEma(i: number, value: number, momentum: number): void {
    this.set(i, this.seen[i] ? momentum * this.values[i] + (1 - momentum) * value : value);
  }

  /** JSON-friendly: null marks an unseen sample. */
  state(): (number | null)[] {
    return Array.from(this.values, (v, i) => (this.seen[i] ? v : null));
  }

  restore(state: (number | null)[]): void {
    this.values.fill(0);
    this.seen.fill(0);
    this.seenCount = 0;
    this.seenSum = 0;
    state.forEach((v, i) => {
      if (v !== null) this.set(i, v);
    });
  }
}
