import type { DrawnGraph } from '@taskgraph/core'
import type { AddedGraph } from './chrome-trace.js'

/**
 * A copy of `graph` (from `toGraph`) with the tasks of `addedGraphs` (`readAddedGraphs`
 * of a trace, or `Profiler#addedGraphs`) and their edges, so that `toDot` draws a
 * finished run with the tasks it added. Each added graph hangs on the task that returned
 * it by an edge from each of its results to that task, marked `returned: true` (drawn
 * dashed). A graph whose task is not in `graph` (nor added before it) is left out: it
 * belongs to another workflow. Tasks that graphs share by key are drawn once.
 * @example toDot(withAddedGraphs(toGraph(total), profiler.addedGraphs), { color: 'order' })
 */
export function withAddedGraphs(graph: DrawnGraph, addedGraphs: readonly AddedGraph[]): DrawnGraph {
  const drawn = graph.copy()
  for (const { parent, tasks, results } of addedGraphs) {
    if (!drawn.hasNode(parent)) continue
    for (const { key, name, kind } of tasks) {
      if (!drawn.hasNode(key)) drawn.addNode(key, { kind, name })
    }
    for (const { key, dependencies } of tasks) {
      for (const dependency of dependencies) {
        if (dependency !== key && drawn.hasNode(dependency))
          drawn.mergeDirectedEdge(dependency, key)
      }
    }
    for (const result of results) {
      if (result !== parent && drawn.hasNode(result)) {
        drawn.mergeDirectedEdge(result, parent, { returned: true })
      }
    }
  }
  return drawn
}
