import stringWidth from 'string-width';
import wrapAnsi from 'wrap-ansi';

/** Keras' number style in progress lines: 4 decimals, or 4-digit mantissa exponent below 1e-3. */
export function kerasNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0 || Math.abs(v) >= 1e-3) return v.toFixed(4);
  const [m, e] = v.toExponential(4).split('e');
  const exp = Number(e);
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** A Keras progress bar body: `[=====>........]` of `width` cells. */
export function kerasBar(value: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(value / total, 1) : 0;
  const filled = Math.floor(ratio * width);
  if (filled >= width) return `[${'='.repeat(width)}]`;
  const head = filled > 0 ? '='.repeat(filled - 1) + '>' : '';
  return `[${head}${'.'.repeat(width - filled)}]`;
}

/** Whole seconds like Keras (`10s`), with one decimal under 10 s so quick runs are readable. */
export function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(1)}s` : `${Math.round(s)}s`;
}

export interface LineMetrics {
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  /** A record's extra columns: a regression's val_mae is shown where accuracy would be. */
  extra?: Record<string, number>;
}

/**
 * The metric part of a Keras epoch line: today's Keras names (`accuracy`), or in `short` form the
 * names Keras 2.0 printed (`acc`, `val_acc`, as on the reference page), which fit narrower lines.
 */
export function metricsText(m: LineMetrics, short = false): string {
  // a regression has no accuracy (NaN): its mean absolute error is shown instead
  const regression = Number.isNaN(m.accuracy) && m.extra?.val_mae !== undefined;
  const parts = [`loss: ${kerasNumber(m.loss)}`];
  if (!Number.isNaN(m.accuracy)) parts.push(`${short ? 'acc' : 'accuracy'}: ${kerasNumber(m.accuracy)}`);
  if (m.val_loss !== undefined) parts.push(`val_loss: ${kerasNumber(m.val_loss)}`);
  if (regression) parts.push(`val_mae: ${kerasNumber(m.extra!.val_mae)}`);
  else if (m.val_accuracy !== undefined) parts.push(`${short ? 'val_acc' : 'val_accuracy'}: ${kerasNumber(m.val_accuracy)}`);
  return parts.join(' - ');
}

/**
 * `<head> - <metrics>` in at most `width` columns where it can be: long metric names, else
 * short ones; past that the metrics go on a second, indented line (`wrap`) or the last ones are
 * left out (`cut`, for progress bars, which a wrapped line would garble).
 */
export function fitEpochLine(head: string, m: LineMetrics, width: number, overflow: 'wrap' | 'cut'): string {
  for (const short of [false, true]) {
    const line = `${head} - ${metricsText(m, short)}`;
    if (line.length <= width) return line;
  }
  const metrics = metricsText(m, true);
  if (overflow === 'wrap') return `${head}\n  ${metrics}`;
  // whole metrics only: a cut number would read as another value
  const parts = metrics.split(' - ');
  while (parts.length > 0 && `${head} - ${parts.join(' - ')}`.length > width) parts.pop();
  return parts.length ? `${head} - ${parts.join(' - ')}` : head.slice(0, width);
}

/** Word-wrapped lines of at most `width` columns; the first starts with `first`, the others with `indent`. */
export function wrapLines(text: string, width: number, indent: string, first = ''): string[] {
  const body = wrapAnsi(text, Math.max(10, width - Math.max(stringWidth(first), stringWidth(indent))), { hard: true, trim: true });
  return body.split('\n').map((line, i) => (i === 0 ? first : indent) + line);
}

/** A log line as the terminal should show it: as it is when it fits, else wrapped with an indent. */
export function fitLogLine(line: string, width: number): string {
  return stringWidth(line) <= width ? line : wrapLines(line, width, '  ').join('\n');
}
