import type { TaskGraph } from '@taskgraph/core/internal'

/** Each node's dependents, as compressed rows: those of `i` are `nodes[start[i]..start[i+1])`. */
export interface Dependents {
  readonly start: Int32Array
  readonly nodes: Int32Array
}

/** The graph's dependency rows turned around (a counting sort by dependency). */
export function dependentsOf(graph: TaskGraph): Dependents {
  const size = graph.size
  const { depStart, depNodes } = graph
  const start = new Int32Array(size + 1)
  for (let e = 0; e < depNodes.length; e++) start[depNodes[e]! + 1]!++
  for (let i = 0; i < size; i++) start[i + 1]! += start[i]!
  const fill = start.slice(0, size)
  const nodes = new Int32Array(depNodes.length)
  for (let i = 0; i < size; i++) {
    for (let e = depStart[i]!; e < depStart[i + 1]!; e++) nodes[fill[depNodes[e]!]!++] = i
  }
  return { start, nodes }
}
