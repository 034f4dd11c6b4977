import seedrandom from 'seedrandom';

/**
 * A seeded random stream (Alea) with a saveable state. Each role (weight init, dropout,
 * data selection, evaluation subset) gets its own stream so two arms differ only where
 * they are meant to.
 */
export class Rng {
  private prng: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  /** A stream from a seed, or (with `state`) one resumed where `state()` left it. */
  constructor(seed: string | number, state?: object) {
    this.prng = seedrandom.alea(String(seed), {
      state: (state as seedrandom.State.Alea | undefined) ?? true,
    });
  }

  /** A stream for a named role, derived from a base seed. */
  static forRole(seed: number, role: string): Rng {
    return new Rng(`${seed}/${role}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** A 32-bit integer seed for a tfjs op that takes one. */
  seed(): number {
    return (this.prng.int32() >>> 0) % 2147483647;
  }

  /** k indices drawn uniformly from [0, n) with replacement. */
  uniformIndices(n: number, k: number): Int32Array {
    const out = new Int32Array(k);
    for (let i = 0; i < k; i++) out[i] = this.int(n);
    return out;
  }

  /** A uniformly random permutation of [0, n) (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * k positions drawn with replacement with probability proportional to `weights`
   * (non-negative, not all zero): inverse-CDF sampling with binary search.
   */
  categorical(weights: ArrayLike<number>, k: number): Int32Array {
    const n = weights.length;
    const cdf = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += weights[i];
      cdf[i] = total;
    }
    if (!(total > 0)) throw new Error('categorical: weights must have a positive sum');
    const out = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      const u = this.prng() * total;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      out[j] = lo;
    }
    return out;
  }

  /** The generator state, for checkpoints. */
  state(): object {
    return this.prng.state();
  }

  /** Continues from a saved state, in place (holders of this stream see the change). */
  restore(state: object): void {
    this.prng = seedrandom.alea('', { state: state as seedrandom.State.Alea });
  }
}
