/**
 * The training loop is synchronous work between awaits that resolve as microtasks, so without a
 * real yield the SIGINT/SIGTERM handlers (and bar redraws) never run. A `Pacer` is the loop's one
 * way to let the event loop in: `maybeYield` at every step, by wall time since the last yield
 * (whatever an epoch's length, a run of 1 ms epochs yields as often as one of 10 s epochs), and
 * `yieldNow` at the seams (between arms' epochs, after evaluation and checkpointing).
 */

/** Lets timers and signal handlers run: setImmediate runs after pending I/O and signal callbacks. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How often (seconds of wall time) the loop lets the event loop in at the latest. */
export const YIELD_INTERVAL_S = 0.05;

const now = () => performance.now() / 1000;

export class Pacer {
  private last = now();

  constructor(private readonly intervalS = YIELD_INTERVAL_S) {}

  /** Yields when the interval has passed since the last yield; returns the seconds spent yielding. */
  async maybeYield(): Promise<number> {
    if (now() - this.last < this.intervalS) return 0;
    return this.yieldNow();
  }

  /** Yields at once; returns the seconds spent yielding (not the arm's work). */
  async yieldNow(): Promise<number> {
    const t = now();
    await yieldToEventLoop();
    this.last = now();
    return this.last - t;
  }
}
