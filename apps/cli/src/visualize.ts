import { InvalidOptionError, toGraph, type DotOptions } from '@taskgraph/core'
import {
  checkOptionNames,
  describeValue,
  renderDot,
  resolveDotOptions,
} from '@taskgraph/core/internal'
import { renderSvg, withAddedGraphs, type AddedGraph } from '@taskgraph/observe'
import { isAddedGraph } from '@taskgraph/observe/internal'
import { OutputError } from './cli-errors.js'

/** Options of `visualize`: those of `toDot`, the format, and the tasks a run added. */
export interface VisualizeOptions extends DotOptions {
  /** `'dot'` for Graphviz source, `'svg'` for a drawing. @default 'dot' */
  format?: 'dot' | 'svg'
  /**
   * The graphs tasks returned while a run ran (`readAddedGraphs` of its trace, or
   * `Profiler#addedGraphs`): drawn with the graph, each hanging on its task by dashed
   * edges (see `withAddedGraphs`).
   */
  addedGraphs?: readonly AddedGraph[]
}

const OPTION_NAMES = ['format', 'rankdir', 'color', 'taskStates', 'group', 'addedGraphs']

/**
 * Draws the task graph of `target` (a `Delayed`, or an array or object of them), as
 * Dask's `visualize`: DOT text, or SVG rendered in-process. `color` fills tasks by run
 * order, or by the status or duration of a run (`taskStates`, e.g. `readTraceStates`
 * of its trace); graphs of more than 300 tasks are drawn one node per step (`group`).
 * With `addedGraphs`, the tasks a run added (graphs its tasks returned) are drawn too.
 * @example await writeFile('graph.svg', await visualize(total, { format: 'svg' }))
 * @example await visualize(total, { color: 'status', taskStates: readTraceStates(trace), addedGraphs: readAddedGraphs(trace) })
 * @throws {InvalidOptionError} for an unknown option, or a bad value (see `toDot`)
 * @throws {OutputError} for an SVG Graphviz cannot draw (a chain of thousands of tasks
 * drawn one node per task)
 */
export async function visualize(target: unknown, options: VisualizeOptions = {}): Promise<string> {
  checkOptionNames('visualize', options, OPTION_NAMES)
  const { format = 'dot', addedGraphs, ...dotOptions } = options
  if (format !== 'dot' && format !== 'svg') {
    throw new InvalidOptionError({
      message: `visualize: option "format" must be 'dot' or 'svg', got ${describeValue(format)}.`,
    })
  }
  if (
    addedGraphs !== undefined &&
    !(Array.isArray(addedGraphs) && addedGraphs.every(isAddedGraph))
  ) {
    const got = Array.isArray(addedGraphs)
      ? 'an array of something else'
      : describeValue(addedGraphs)
    throw new InvalidOptionError({
      message: `visualize: option "addedGraphs" must be the graphs tasks returned (readAddedGraphs of a trace, or Profiler#addedGraphs), got ${got}.`,
    })
  }
  const graph = toGraph(target)
  const drawn = addedGraphs === undefined ? graph : withAddedGraphs(graph, addedGraphs)
  const dot = renderDot(drawn, resolveDotOptions(dotOptions, 'visualize'))
  return format === 'svg' ? drawSvg('visualize', dot, drawn.order) : dot
}

/**
 * The SVG of `dot`, a graph of `tasks` tasks, for `caller`. Graphviz runs out of stack on
 * graphs of thousands of nodes in a line (a long chain drawn one node per task): say so,
 * and how to draw it, rather than fail inside.
 * @throws {OutputError} naming the graph's size and the fix
 */
export async function drawSvg(caller: string, dot: string, tasks: number): Promise<string> {
  try {
    return await renderSvg(dot)
  } catch (error) {
    throw new OutputError({
      message: `${caller}: Graphviz could not draw the graph of ${tasks} tasks as SVG (${error instanceof Error ? error.message : String(error)}). Draw it one node per step (--group, or the group option), or write DOT and lay it out with Graphviz's own dot.`,
      cause: error,
    })
  }
}
