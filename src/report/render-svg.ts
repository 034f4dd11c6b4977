/**
 * Renders a vega-lite spec to SVG text in Node, headless (no browser, no canvas).
 * vega 5 / vega-lite 5 are the last majors that load under CommonJS; they are required lazily
 * so commands that print no plots do not pay for loading them.
 */
import type { TopLevelSpec } from 'vega-lite';

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
