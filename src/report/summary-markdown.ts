/**
 * summary.md: the report document as Markdown, charts as links to the SVG files beside it.
 */
import type { Block, ReportDocument, Section } from './report-document';
import { tableToMarkdown } from './table';

export function renderMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${doc.title}`, ''];
  for (const section of doc.sections) renderSection(section, 2, out);
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function renderSection(section: Section, level: number, out: string[]): void {
  out.push(`${'#'.repeat(Math.min(level, 6))} ${section.title}`, '');
  for (const block of section.blocks) out.push(renderBlock(block), '');
  for (const sub of section.subsections ?? []) renderSection(sub, level + 1, out);
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'list':
      return block.items.map((item) => `- ${item}`).join('\n');
    case 'checks':
      return block.items.map((item) => `- **${item.label}** ${item.text}`).join('\n');
    case 'table':
      return tableToMarkdown(block.table);
    case 'charts':
      return block.charts.map((c) => `![${c.title}](${c.file})`).join('\n');
  }
}
