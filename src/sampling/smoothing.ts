/**
 * The reference's score smoothing towards uniform, applied to presampled scores before
 * drawing: additive (s + c) or adaptive (s + pct * m, m an EMA of the presample score mean,
 * forget 0.9, start 1.0). Both are stateful only through m, which state()/restore() carry.
 */
export interface ScoreSmoother {
  /** The smoothed scores (a new array); updates the running mean first when adaptive. */
  apply(scores: ArrayLike<number>): Float32Array;
  /** The amount currently added to every score. */
  readonly offset: number;
  state(): { mu: number };
  restore(state: { mu: number }): void;
}

export function additiveSmoother(c: number): ScoreSmoother {
  return {
    apply: (scores) => Float32Array.from(scores as ArrayLike<number>, (s) => s + c),
    offset: c,
    state: () => ({ mu: 0 }),
    restore: () => {},
  };
}

export class AdaptiveSmoother implements ScoreSmoother {
  mu: number;

  constructor(
    readonly percentage: number,
    readonly forget = 0.9,
    start = 1.0,
  ) {
    this.mu = start;
  }

  get offset(): number {
    return this.percentage * this.mu;
  }

  apply(scores: ArrayLike<number>): Float32Array {
    let sum = 0;
    for (let i = 0; i < scores.length; i++) sum += scores[i];
    const mean = scores.length > 0 ? sum / scores.length : 0;
    this.mu = this.forget * this.mu + (1 - this.forget) * mean;
    const add = this.offset;
    return Float32Array.from(scores, (s) => s + add);
  }

  state() {
    return { mu: this.mu };
  }

  restore(state: { mu: number }): void {
    this.mu = state.mu;
  }
}

/** The reference's choice: adaptive when asked and smooth > 0, additive when smooth > 0, else none. */
export function makeSmoother(smooth: number, adaptive: boolean): ScoreSmoother {
  if (adaptive && smooth > 0) return new AdaptiveSmoother(smooth);
  return additiveSmoother(smooth);
}
