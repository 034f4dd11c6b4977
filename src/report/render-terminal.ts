/**
 * The report document for a terminal: plain aligned text that fits the terminal's width.
 * Tables drop their least important columns (then fall back to one line per row) rather than
 * wrap; paragraphs and list items wrap at word boundaries. Colour only when asked for
 * (a TTY without NO_COLOR); the text is the same either way.
 */
import chalk from 'chalk';
import stringWidth from 'string-width';
import { wrapLines as wrap } from '../record/format';
import type { Block, CheckStatus, ReportDocument, Section } from './report-document';
import type { Table } from './table';

export interface TerminalOptions {
  /** Columns available; 100 when the terminal does not say. */
  width?: number;
  color?: boolean;
}

/**
 * The width and colour a stream asks for: a terminal's columns (else `$COLUMNS`, else 100) and
 * colour on a terminal without NO_COLOR.
 */
export function terminalOptionsFor(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv = process.env): Required<TerminalOptions> {
  const fromEnv = Number(env.COLUMNS);
  const width = stream.isTTY && stream.columns && stream.columns > 0 ? stream.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 100;
  const color = stream.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return { width, color };
}

/** Fewer columns than this and nothing fits: text is cut at the width instead. */
const MIN_WIDTH = 40;

export function renderTerminal(doc: ReportDocument, options: TerminalOptions = {}): string {
  const width = Math.max(MIN_WIDTH, options.width ?? 100);
  const c = new chalk.Instance({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  if (doc.title) out.push(c.bold(doc.title), '');
  for (const section of doc.sections) renderSection(section, 0, out, { width, c });
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

interface Ctx {
  width: number;
  c: chalk.Chalk;
}

function renderSection(section: Section, depth: number, out: string[], ctx: Ctx): void {
  if (section.title) out.push(ctx.c.bold(inline(section.title, ctx)));
  for (const block of section.blocks) {
    out.push(...renderBlock(block, ctx), '');
  }
  for (const sub of section.subsections ?? []) renderSection(sub, depth + 1, out, ctx);
}

function renderBlock(block: Block, ctx: Ctx): string[] {
  switch (block.kind) {
    case 'paragraph':
      return wrap(inline(block.text, ctx), ctx.width, '');
    case 'list':
      return block.items.flatMap((item) => wrap(inline(item, ctx), ctx.width, '  ', '- '));
    case 'checks':
      return block.items.flatMap((item) => {
        const mark = `${statusWord(item.status, item.label, ctx)} `;
        return wrap(inline(item.text, ctx), ctx.width, '    ', mark);
      });
    case 'table':
      return renderTable(block.table, ctx);
    case 'charts':
      return block.charts.length ? wrap(`Plots: ${block.charts.map((ch) => ch.file).join(', ')}`, ctx.width, '  ') : [];
  }
}

function statusWord(status: CheckStatus, label: string, ctx: Ctx): string {
  const paint = status === 'pass' ? ctx.c.green : status === 'fail' ? ctx.c.red : ctx.c.yellow;
  return paint(`[${label}]`);
}

/** `code` spans lose their backticks (cyan when colour is on). */
function inline(text: string, ctx: Ctx): string {
  return text.replace(/`([^`]+)`/g, (_, code: string) => ctx.c.cyan(code));
}

/**
 * Columns are kept in order of `table.priority` (higher first; by default the first column, then
 * left to right) until the next one would not fit; the dropped ones are named under the table.
 * When not even two columns fit, each row becomes `header: value` lines.
 */
function renderTable(table: Table, ctx: Ctx): string[] {
  const gap = 2;
  const widths = table.header.map((h, i) => Math.max(stringWidth(h), ...table.rows.map((r) => stringWidth(r[i] ?? ''))));
  const priority = table.header.map((_, i) => table.priority?.[i] ?? table.header.length - i);
  const order = table.header.map((_, i) => i).sort((a, b) => priority[b] - priority[a] || a - b);
  const kept: number[] = [];
  let used = 0;
  for (const i of order) {
    const need = widths[i] + (kept.length ? gap : 0);
    if (used + need > ctx.width) continue;
    kept.push(i);
    used += need;
  }
  if (kept.length < Math.min(2, table.header.length)) return tableAsRecords(table, ctx);
  kept.sort((a, b) => a - b);
  const align = (i: number) => table.align?.[i] ?? (i === 0 ? 'left' : 'right');
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(Math.max(0, widths[i] - stringWidth(text)));
    return align(i) === 'right' ? fill + text : text + fill;
  };
  const line = (row: string[]) => kept.map((i) => pad(row[i] ?? '', i)).join(' '.repeat(gap)).trimEnd();
  const lines = [ctx.c.bold(line(table.header)), ...table.rows.map(line)];
  const dropped = table.header.filter((_, i) => !kept.includes(i));
  if (dropped.length) lines.push(...wrap(`(not shown at this width: ${dropped.join(', ')})`, ctx.width, ' '));
  return lines;
}

function tableAsRecords(table: Table, ctx: Ctx): string[] {
  return table.rows.flatMap((row) => [
    ...wrap(row[0] ?? '', ctx.width, '  '),
    ...table.header.slice(1).flatMap((h, j) => wrap(`${h}: ${row[j + 1] ?? ''}`, ctx.width, '    ', '  ')),
  ]);
}
