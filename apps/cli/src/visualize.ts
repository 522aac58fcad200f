import { InvalidOptionError, toDot, toGraph, type RankDir } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import { renderSvg } from './render-svg.js'

/** Options of `visualize`. */
export interface VisualizeOptions {
  /** `'dot'` for Graphviz source, `'svg'` for a drawing. @default 'dot' */
  format?: 'dot' | 'svg'
  /** Direction the graph flows in. @default 'BT' */
  rankdir?: RankDir
}

const OPTION_NAMES = ['format', 'rankdir']

/**
 * Draws the task graph of `target` (a `Delayed`, or an array or object of them), as
 * Dask's `visualize`: DOT text, or SVG rendered in-process.
 * @example await writeFile('graph.svg', await visualize(total, { format: 'svg' }))
 * @throws {InvalidOptionError} for an unknown option, or a bad `format` or `rankdir`
 */
export async function visualize(target: unknown, options: VisualizeOptions = {}): Promise<string> {
  checkOptionNames('visualize', options, OPTION_NAMES)
  const { format = 'dot', rankdir } = options
  if (format !== 'dot' && format !== 'svg') {
    throw new InvalidOptionError({
      message: `visualize: option "format" must be 'dot' or 'svg', got ${describeValue(format)}.`,
    })
  }
  const dot = toDot(toGraph(target), rankdir === undefined ? {} : { rankdir })
  return format === 'svg' ? renderSvg(dot) : dot
}
