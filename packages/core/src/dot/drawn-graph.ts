import type { DirectedGraph } from 'graphology'
import type { TaskGraphAttributes, TaskNodeAttributes } from '../graph/to-graph.js'

/**
 * What `toDot` draws: a graph from `toGraph`, or any graphology graph with its node
 * attributes (nodes added dependencies first, as `toGraph` adds them, for `color: 'order'`).
 */
export type DrawnGraph = DirectedGraph<
  TaskNodeAttributes,
  Record<string, unknown>,
  Partial<TaskGraphAttributes>
>
