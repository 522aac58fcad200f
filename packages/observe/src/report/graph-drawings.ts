import { toDot, type TaskGraphology } from '@taskgraph/core'
import type { ChromeTrace } from '../chrome-trace.js'
import { readTraceStates } from '../read-trace-states.js'
import { renderSvg } from '../render-svg.js'

/**
 * The graph drawn twice, as inline SVG: coloured by how long tasks ran, and by status;
 * or, when it could not be drawn, why (`notDrawn`, plain text).
 */
export type GraphDrawings =
  { readonly duration: string; readonly status: string } | { readonly notDrawn: string }

/**
 * The most DOT statements (nodes and edges) drawn. Graphviz's layout takes time that
 * grows faster than the graph: a graph of thousands of steps even drawn one node per
 * step (thousands of functions, each its own step) took 20 s per drawing at 8,000
 * statements, and minutes past that, for a drawing nobody could read.
 */
const MAX_STATEMENTS = 3000

/**
 * Draws `graph` coloured by the run in `trace`. Past `toDot`'s default (300 tasks) the
 * drawing has one node per step rather than per task: a drawing of thousands of
 * ellipses is neither readable nor quick to open. A graph still too large, or one
 * Graphviz fails on (its stack overflows on long chains), is not drawn, and the report
 * says why rather than being lost.
 */
export async function graphDrawings(
  graph: TaskGraphology,
  trace: ChromeTrace,
): Promise<GraphDrawings> {
  const taskStates = readTraceStates(trace)
  const dot = (color: 'duration' | 'status'): string => toDot(graph, { color, taskStates })
  const byDuration = dot('duration')
  // toDot writes each node and edge on a line of its own, starting with its quoted id.
  const statements = byDuration.match(/^ {2}"/gm)?.length ?? 0
  if (statements > MAX_STATEMENTS) {
    return {
      notDrawn: `The graph has ${statements.toLocaleString('en-US')} nodes and edges even drawn one node per step, too many to lay out here (at most ${MAX_STATEMENTS.toLocaleString('en-US')}). Draw it with taskgraph visualize --trace, as DOT.`,
    }
  }
  try {
    return {
      duration: inlineSvg(await renderSvg(byDuration), 'duration'),
      status: inlineSvg(await renderSvg(dot('status')), 'status'),
    }
  } catch (error) {
    return {
      notDrawn: `Graphviz could not draw the graph (${error instanceof Error ? error.message : String(error)}). Draw it with taskgraph visualize --trace, as DOT.`,
    }
  }
}

/**
 * The `<svg>` element alone (the XML declaration and doctype do not belong in HTML), its
 * ids prefixed: both drawings are in one page, and Graphviz numbers both from `graph0`.
 */
function inlineSvg(svg: string, prefix: string): string {
  const start = svg.indexOf('<svg')
  return svg.slice(Math.max(0, start)).replace(/ id="/g, ` id="${prefix}-`)
}
