import { toDot, type TaskGraphology } from '@taskgraph/core'
import type { ChromeTrace } from '../chrome-trace.js'
import { readTraceStates } from '../read-trace-states.js'
import { renderSvg } from '../render-svg.js'

/** The graph drawn twice, as inline SVG: coloured by how long tasks ran, and by status. */
export interface GraphDrawings {
  readonly duration: string
  readonly status: string
}

/**
 * Draws `graph` coloured by the run in `trace`. Past `toDot`'s default (300 tasks) the
 * drawing has one node per step rather than per task: a drawing of thousands of
 * ellipses is neither readable nor quick to open.
 */
export async function graphDrawings(
  graph: TaskGraphology,
  trace: ChromeTrace,
): Promise<GraphDrawings> {
  const taskStates = readTraceStates(trace)
  const draw = async (color: 'duration' | 'status'): Promise<string> =>
    inlineSvg(await renderSvg(toDot(graph, { color, taskStates })), color)
  return { duration: await draw('duration'), status: await draw('status') }
}

/**
 * The `<svg>` element alone (the XML declaration and doctype do not belong in HTML), its
 * ids prefixed: both drawings are in one page, and Graphviz numbers both from `graph0`.
 */
function inlineSvg(svg: string, prefix: string): string {
  const start = svg.indexOf('<svg')
  return svg.slice(Math.max(0, start)).replace(/ id="/g, ` id="${prefix}-`)
}
