/**
 * A decimal number as written in a data file: "3", "-0.25", "1e-3", " 7 ". Not "", "0x1A",
 * "Infinity" or "1,5", which Number() would turn into 0, 26, Infinity or NaN.
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (!DECIMAL.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}
