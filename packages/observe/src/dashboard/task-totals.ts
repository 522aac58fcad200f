import { TaskGraph } from '@taskgraph/core/internal'

/**
 * How many tasks of each function computing `targets` runs (data nodes left out), for the
 * dashboard's progress. Read from the graph compute builds, not from `toGraph`'s
 * graphology copy, which costs several times as much on a run of 100,000 tasks.
 */
export function taskTotals(targets: readonly unknown[]): Map<string, number> {
  const graph = TaskGraph.collect('startDashboard', targets)
  const totals = new Map<string, number>()
  for (let i = 0; i < graph.size; i++) {
    if (graph.fn(i) === undefined) continue
    const name = graph.name(i)
    totals.set(name, (totals.get(name) ?? 0) + 1)
  }
  return totals
}
