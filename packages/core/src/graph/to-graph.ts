import type { DirectedGraph } from 'graphology'
import { directedGraph } from './graphology-lazy.js'
import { TaskGraph } from './task-graph.js'

/** Attributes of a node of the graph returned by `toGraph`. */
export interface TaskNodeAttributes {
  /** `'task'` for a function call, `'data'` for a literal or persisted value. */
  kind: 'task' | 'data'
  /** The function's name (or the data's name): the readable part of the key. */
  name: string
}

/** Attributes of the graph returned by `toGraph`. */
export interface TaskGraphAttributes {
  /** Keys of the requested outputs, in the order they were given (without repeats). */
  outputs: string[]
}

/** The graphology graph `toGraph` returns: nodes are keys, edges run from a dependency to its dependent. */
export type TaskGraphology = DirectedGraph<
  TaskNodeAttributes,
  Record<string, never>,
  TaskGraphAttributes
>

/**
 * The graph of tasks that `targets` need, as a graphology `DirectedGraph`, so any
 * graphology algorithm can run on it. Nodes are added dependencies first.
 * @example toGraph(total).order // number of tasks
 */
export function toGraph(...targets: unknown[]): TaskGraphology {
  return toGraphology(TaskGraph.collect('toGraph', targets))
}

/** @internal */
export function toGraphology(graph: TaskGraph): TaskGraphology {
  const DirectedGraph = directedGraph()
  const out: TaskGraphology = new DirectedGraph({ allowSelfLoops: false })
  for (let i = 0; i < graph.size; i++) {
    out.addNode(graph.key(i), {
      kind: graph.fn(i) === undefined ? 'data' : 'task',
      name: graph.name(i),
    })
    for (let d = graph.depStart[i]!; d < graph.depStart[i + 1]!; d++) {
      out.addDirectedEdge(graph.key(graph.depNodes[d]!), graph.key(i))
    }
  }
  out.replaceAttributes({ outputs: [...new Set(Array.from(graph.outputs, (i) => graph.key(i)))] })
  return out
}
