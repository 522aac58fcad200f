/**
 * Renders Graphviz DOT to SVG in-process with a WebAssembly build of Graphviz, so no
 * system Graphviz is needed. The module (a few MB) loads on first use only.
 */
export async function renderSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz')
  const viz = await instance()
  return viz.renderString(dot, { format: 'svg' })
}
