import { Rng } from '../src/rng';
import { loadNativeAddon } from '../src/engine/native-addon';

/**
 * The native RMSprop update has a packed loop with non-temporal stores for outputs that share a
 * 16-byte alignment, and a scalar loop for heads, tails and mixed alignments. Every path must give
 * tfjs's float32 results, and the same bits whatever the operands' alignment.
 */

const { addon, reason } = loadNativeAddon();
const suite = addon ? describe : describe.skip;
if (!addon) console.warn(`native-rmsprop-simd tests skipped: native kernel addon ${reason}`);

const f = Math.fround;
const [DECAY, MOMENTUM, LR, EPS] = [0.9, 0.5, 0.001, 1e-7];

/** tfjs RMSPropOptimizer's uncentered update, each operation rounded to float32. */
function reference(value: Float32Array, ms: Float32Array, mom: Float32Array, grad: Float32Array) {
  const n = value.length;
  const out = { value: new Float32Array(n), ms: new Float32Array(n), mom: new Float32Array(n) };
  const oneMinusDecay = f(1 - DECAY);
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const m = f(f(ms[i] * f(DECAY)) + f(f(g * g) * oneMinusDecay));
    const mo = f(f(mom[i] * f(MOMENTUM)) + f(f(g * f(LR)) / f(Math.sqrt(f(m + f(EPS))))));
    out.ms[i] = m;
    out.mom[i] = mo;
    out.value[i] = f(value[i] - mo);
  }
  return out;
}

function random(rng: Rng, n: number, positive = false): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = positive ? rng.next() : rng.next() * 2 - 1;
  return v;
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / (scale || 1);
}

/** Runs the native update with the seven arrays at byte offsets `shifts` (multiples of 4) inside their slots. */
function runNative(inputs: Float32Array[], shifts: number[]) {
  const n = inputs[0].length;
  const slot = Math.ceil((4 * n + 64) / 16) * 16;
  const heap = new ArrayBuffer(7 * slot);
  const offsets = shifts.map((s, j) => j * slot + s);
  inputs.forEach((v, j) => new Float32Array(heap, offsets[j], n).set(v));
  addon!.rmspropUpdate(heap, offsets[0], offsets[1], offsets[2], offsets[3], offsets[4], offsets[5], offsets[6], n, DECAY, MOMENTUM, LR, EPS);
  const read = (j: number) => new Float32Array(heap.slice(offsets[j], offsets[j] + 4 * n));
  return { value: read(4), ms: read(5), mom: read(6) };
}

suite('native RMSprop update: packed and scalar paths', () => {
  // 300000 weights split across threads (chunks start at unaligned elements).
  const SIZES = [1, 3, 4, 7, 64, 1001, 300001];
  const LAYOUTS = [
    [0, 0, 0, 0, 0, 0, 0],
    [4, 8, 12, 0, 4, 4, 4],
    [12, 4, 8, 4, 8, 8, 8],
    [0, 0, 0, 0, 0, 4, 8],
  ];

  it.each(SIZES)('n = %i: equals tfjs to 1e-6 and the same bits at every alignment', (n) => {
    const rng = new Rng(`native-rmsprop-simd ${n}`);
    const inputs = [random(rng, n), random(rng, n, true), random(rng, n), random(rng, n)];
    const expected = reference(inputs[0], inputs[1], inputs[2], inputs[3]);
    const results = LAYOUTS.map((shifts) => runNative([...inputs, new Float32Array(n), new Float32Array(n), new Float32Array(n)], shifts));
    for (const r of results) {
      expect(maxRelError(r.value, expected.value)).toBeLessThan(1e-6);
      expect(maxRelError(r.ms, expected.ms)).toBeLessThan(1e-6);
      expect(maxRelError(r.mom, expected.mom)).toBeLessThan(1e-6);
    }
    for (const r of results.slice(1)) {
      expect(Buffer.from(r.value.buffer).equals(Buffer.from(results[0].value.buffer))).toBe(true);
      expect(Buffer.from(r.ms.buffer).equals(Buffer.from(results[0].ms.buffer))).toBe(true);
      expect(Buffer.from(r.mom.buffer).equals(Buffer.from(results[0].mom.buffer))).toBe(true);
    }
  });
});
