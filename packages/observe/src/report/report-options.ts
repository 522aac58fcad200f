import { InvalidOptionError, type TaskGraphology } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'

/** Options of `toReportHtml`, `writeReport` and `Profiler#report`. */
export interface ReportOptions {
  /**
   * The report's title (the workflow's name, say).
   * @default 'taskgraph run'
   */
  name?: string
  /**
   * The run's graph, `toGraph(...targets)`: the critical path and the drawing need it.
   * Without it those sections say so.
   */
  graph?: TaskGraphology
}

const OPTION_NAMES = ['name', 'graph']

/**
 * Checks the options of `call`.
 * @throws {InvalidOptionError} for an unknown option, a name that is not a string, or a
 * graph that is not one `toGraph` made
 */
export function checkReportOptions(call: string, options: unknown): ReportOptions {
  checkOptionNames(call, options, OPTION_NAMES)
  const { name, graph } = options as ReportOptions
  if (name !== undefined && typeof name !== 'string') {
    throw new InvalidOptionError({
      message: `${call}: option "name" must be a string, got ${describeValue(name)}. Pass the workflow's name, or leave it out.`,
    })
  }
  const looksLikeGraph =
    typeof graph === 'object' &&
    graph !== null &&
    typeof (graph as { forEachInNeighbor?: unknown }).forEachInNeighbor === 'function'
  if (graph !== undefined && !looksLikeGraph) {
    throw new InvalidOptionError({
      message: `${call}: option "graph" must be the graph of the run's targets, toGraph(...targets), got ${describeValue(graph)}. Pass that, or leave it out (the report then has no critical path nor drawing).`,
    })
  }
  return options
}
