/** A fixed-capacity ring buffer of the most recent values (selective backprop's loss history). */
export class RingBuffer {
  private readonly data: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(value: number): void {
    this.data[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The stored values, oldest first. */
  values(): number[] {
    const out: number[] = [];
    const start = this.count < this.capacity ? 0 : this.next;
    for (let j = 0; j < this.count; j++) out.push(this.data[(start + j) % this.capacity]);
    return out;
  }

  /** Fraction of the stored values strictly below x (0 when empty), the original's percentile_of_score / 100. */
  fractionBelow(x: number): number {
    if (this.count === 0) return 0;
    let below = 0;
    for (let j = 0; j < this.count; j++) if (this.data[j] < x) below++;
    return below / this.count;
  }

  state(): { capacity: number; values: number[] } {
    return { capacity: this.capacity, values: this.values() };
  }

  static fromState(state: { capacity: number; values: number[] }): RingBuffer {
    const ring = new RingBuffer(state.capacity);
    for (const v of state.values) ring.push(v);
    return ring;
  }
}
