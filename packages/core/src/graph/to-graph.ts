import type { DirectedGraph } from 'graphology'
import { InvalidArgumentError } from '../errors.js'
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
      const dependency = graph.key(graph.depNodes[d]!)
      checkLinkable('toGraph', dependency)
      checkLinkable('toGraph', graph.key(i))
      out.addDirectedEdge(dependency, graph.key(i))
    }
  }
  out.replaceAttributes({ outputs: [...new Set(Array.from(graph.outputs, (i) => graph.key(i)))] })
  return out
}

/**
 * graphology keeps a node's neighbours in plain objects: an edge into a node keyed
 * `constructor` or `toString` is taken for one it has already (graphology throws its
 * own UsageGraphError), and one out of `__proto__` is lost. A key that every object has
 * as a property cannot be linked in the graph toGraph returns, so it is refused by name.
 * @throws {InvalidArgumentError} for such a key
 */
export function checkLinkable(caller: string, key: string): void {
  if (!(key in Object.prototype)) return
  throw new InvalidArgumentError({
    message: `${caller}: the task key ${JSON.stringify(key)} is the name of a property every JavaScript object has, which graphology, the library of the graph toGraph returns (and taskgraph visualize draws), cannot link to other tasks. Give that task another key: fn.with({ key: '${key.replace(/\W/g, '')}-step' }), or name its spec entry otherwise.`,
  })
}
