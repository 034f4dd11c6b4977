/**
 * One table model, rendered as Markdown (summary.md), HTML (report.html) and plain text (render-terminal.ts).
 */

export interface Table {
  header: string[];
  rows: string[][];
  /** Per column; default: left for the first column, right for the others (numbers). */
  align?: ('left' | 'right')[];
  /**
   * Per column, for narrow displays (the terminal): columns with the highest priority are kept
   * when not all fit. Default: left to right.
   */
  priority?: number[];
}

function alignments(table: Table): ('left' | 'right')[] {
  return table.header.map((_, i) => table.align?.[i] ?? (i === 0 ? 'left' : 'right'));
}

/** A Markdown table, padded so it also reads as plain text in a terminal. */
export function tableToMarkdown(table: Table): string {
  const align = alignments(table);
  const cells = [table.header, ...table.rows].map((row) => table.header.map((_, i) => escapeMarkdownCell(row[i] ?? '')));
  const widths = table.header.map((_, i) => Math.max(3, ...cells.map((row) => [...row[i]].length)));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i] - [...text].length);
    return align[i] === 'right' ? fill + text : text + fill;
  };
  const line = (row: string[]) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (align[i] === 'right' ? '-'.repeat(w - 1) + ':' : '-'.repeat(w))).join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join('\n');
}

/** An HTML table (escaped). */
export function tableToHtml(table: Table): string {
  const align = alignments(table);
  // long text (verdict details, notes) wraps; figures stay on one line
  const long = table.header.map((_, i) => table.rows.some((r) => (r[i] ?? '').length > 40));
  const cell = (tag: string, text: string, i: number) =>
    `<${tag} style="text-align:${align[i]}"${tag === 'td' && long[i] ? ' class="text"' : ''}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${table.header.map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr>${table.header.map((_, i) => cell('td', row[i] ?? '', i)).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function escapeMarkdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
