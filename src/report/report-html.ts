/**
 * report.html: the report document as one self-contained page (inline CSS and SVG, no
 * scripts, no external resources).
 */
import type { Block, ReportDocument, Section } from './report-document';
import { escapeHtml, tableToHtml } from './table';

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.45em; }
th { background: #f3f3f3; }
td { white-space: nowrap; }
td.text { white-space: normal; min-width: 12em; max-width: 38em; }
tbody tr:nth-child(even) { background: #fafafa; }
code { background: #f3f3f3; padding: 0 0.2em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 1em; }
.charts figure { margin: 0; }
.charts svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
ul.checks { list-style: none; padding-left: 0; }
ul.checks li strong { display: inline-block; min-width: 9em; }
li.pass strong { color: #1a7f37; } li.fail strong { color: #cf222e; } li.neutral strong { color: #9a6700; }
`;

/** `svgs` maps a chart id to its SVG text; a chart without one is left out. */
export function renderHtml(doc: ReportDocument, svgs: ReadonlyMap<string, string>): string {
  const body: string[] = [`<h1>${escapeHtml(doc.title)}</h1>`];
  for (const section of doc.sections) renderSection(section, 2, svgs, body);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderSection(section: Section, level: number, svgs: ReadonlyMap<string, string>, out: string[]): void {
  const h = `h${Math.min(level, 6)}`;
  out.push(`<section>`, `<${h}>${inline(section.title)}</${h}>`);
  for (const block of section.blocks) out.push(renderBlock(block, svgs));
  for (const sub of section.subsections ?? []) renderSection(sub, level + 1, svgs, out);
  out.push('</section>');
}

function renderBlock(block: Block, svgs: ReadonlyMap<string, string>): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${inline(block.text)}</p>`;
    case 'list':
      return `<ul>\n${block.items.map((i) => `<li>${inline(i)}</li>`).join('\n')}\n</ul>`;
    case 'checks':
      return `<ul class="checks">\n${block.items.map((i) => `<li class="${i.status}"><strong>${escapeHtml(i.label)}</strong> ${inline(i.text)}</li>`).join('\n')}\n</ul>`;
    case 'table':
      return `<div class="table-wrap">${tableToHtml(block.table)}</div>`;
    case 'charts':
      return `<div class="charts">\n${block.charts
        .filter((c) => svgs.has(c.id))
        .map((c) => `<figure aria-label="${escapeHtml(c.title)}">${stripXmlProlog(svgs.get(c.id)!)}</figure>`)
        .join('\n')}\n</div>`;
  }
}

/** Escaped text with `code` spans. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function stripXmlProlog(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}
