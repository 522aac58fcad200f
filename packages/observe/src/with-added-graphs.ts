import { InvalidArgumentError, type DrawnGraph } from '@taskgraph/core'
import { checkLinkable, describeValue } from '@taskgraph/core/internal'
import type { AddedGraph } from './chrome-trace.js'
import { isAddedGraph } from './check-trace-options.js'

/**
 * A copy of `graph` (from `toGraph`) with the tasks of `addedGraphs` (`readAddedGraphs`
 * of a trace, or `Profiler#addedGraphs`) and their edges, so that `toDot` draws a
 * finished run with the tasks it added. Each added graph hangs on the task that returned
 * it by an edge from each of its results to that task, marked `returned: true` (drawn
 * dashed). A graph whose task is not in `graph` (nor added before it) is left out: it
 * belongs to another workflow. Tasks that graphs share by key are drawn once.
 * @example toDot(withAddedGraphs(toGraph(total), profiler.addedGraphs), { color: 'order' })
 * @throws {InvalidArgumentError} for a graph that is not a graphology graph, added graphs
 * that are not an array of what a `Profiler` collects, or a linked task key graphology
 * cannot hold (`constructor`, `toString`: see `toGraph`)
 */
export function withAddedGraphs(graph: DrawnGraph, addedGraphs: readonly AddedGraph[]): DrawnGraph {
  checkArguments(graph, addedGraphs)
  const drawn = graph.copy()
  for (const { parent, tasks, results } of addedGraphs) {
    if (!drawn.hasNode(parent)) continue
    for (const { key, name, kind } of tasks) {
      if (!drawn.hasNode(key)) drawn.addNode(key, { kind, name })
    }
    for (const { key, dependencies } of tasks) {
      for (const dependency of dependencies) {
        if (dependency !== key && drawn.hasNode(dependency)) {
          // graphology would take an edge into `constructor` for one it has, and drop it.
          checkLinkable('withAddedGraphs', dependency)
          checkLinkable('withAddedGraphs', key)
          drawn.mergeDirectedEdge(dependency, key)
        }
      }
    }
    for (const result of results) {
      if (result !== parent && drawn.hasNode(result)) {
        checkLinkable('withAddedGraphs', result)
        checkLinkable('withAddedGraphs', parent)
        drawn.mergeDirectedEdge(result, parent, { returned: true })
      }
    }
  }
  return drawn
}

/** JavaScript callers can pass anything, which failed inside as "Cannot read properties". */
function checkArguments(graph: unknown, addedGraphs: unknown): void {
  if (typeof (graph as { copy?: unknown } | null)?.copy !== 'function') {
    throw new InvalidArgumentError({
      message: `withAddedGraphs: expected the graph of the run's targets, toGraph(...targets), got ${describeValue(graph)}. Pass that.`,
    })
  }
  const fix = 'Pass profiler.addedGraphs, or readAddedGraphs(trace).'
  if (!Array.isArray(addedGraphs)) {
    throw new InvalidArgumentError({
      message: `withAddedGraphs: expected the graphs tasks returned, an array, got ${describeValue(addedGraphs)}. ${fix}`,
    })
  }
  const bad = addedGraphs.findIndex((added) => !isAddedGraph(added))
  if (bad !== -1) {
    throw new InvalidArgumentError({
      message: `withAddedGraphs: addedGraphs[${bad}] is not a graph a task returned, { parent, tasks: [{ key, dependencies }], results }. ${fix}`,
    })
  }
}
