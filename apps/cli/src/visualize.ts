import { InvalidOptionError, toDot, toGraph, type DotOptions } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import { renderSvg } from '@taskgraph/observe'

/** Options of `visualize`: those of `toDot`, and the format. */
export interface VisualizeOptions extends DotOptions {
  /** `'dot'` for Graphviz source, `'svg'` for a drawing. @default 'dot' */
  format?: 'dot' | 'svg'
}

const OPTION_NAMES = ['format', 'rankdir', 'color', 'taskStates', 'group']

/**
 * Draws the task graph of `target` (a `Delayed`, or an array or object of them), as
 * Dask's `visualize`: DOT text, or SVG rendered in-process. `color` fills tasks by run
 * order, or by the status or duration of a run (`taskStates`, e.g. `readTraceStates`
 * of its trace); graphs of more than 300 tasks are drawn one node per step (`group`).
 * @example await writeFile('graph.svg', await visualize(total, { format: 'svg' }))
 * @example await visualize(total, { color: 'status', taskStates: readTraceStates(trace) })
 * @throws {InvalidOptionError} for an unknown option, or a bad value (see `toDot`)
 */
export async function visualize(target: unknown, options: VisualizeOptions = {}): Promise<string> {
  checkOptionNames('visualize', options, OPTION_NAMES)
  const { format = 'dot', ...dotOptions } = options
  if (format !== 'dot' && format !== 'svg') {
    throw new InvalidOptionError({
      message: `visualize: option "format" must be 'dot' or 'svg', got ${describeValue(format)}.`,
    })
  }
  const dot = toDot(toGraph(target), dotOptions)
  return format === 'svg' ? renderSvg(dot) : dot
}
