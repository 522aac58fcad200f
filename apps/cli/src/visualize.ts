import { toDot, toGraph, type RankDir } from '@taskgraph/core'
import { renderSvg } from './render-svg.js'

/** Options of `visualize`. */
export interface VisualizeOptions {
  /** `'dot'` for Graphviz source, `'svg'` for a drawing. @default 'dot' */
  format?: 'dot' | 'svg'
  /** Direction the graph flows in. @default 'BT' */
  rankdir?: RankDir
}

/**
 * Draws the task graph of `target` (a `Delayed`, or an array or object of them), as
 * Dask's `visualize`: DOT text, or SVG rendered in-process.
 * @example await writeFile('graph.svg', await visualize(total, { format: 'svg' }))
 */
export async function visualize(target: unknown, options: VisualizeOptions = {}): Promise<string> {
  const dot = toDot(
    toGraph(target),
    options.rankdir === undefined ? {} : { rankdir: options.rankdir },
  )
  return options.format === 'svg' ? renderSvg(dot) : dot
}
