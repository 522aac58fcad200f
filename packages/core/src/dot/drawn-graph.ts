import type { DirectedGraph } from 'graphology'
import type { TaskGraphAttributes, TaskNodeAttributes } from '../graph/to-graph.js'

/**
 * What `toDot` draws: a graph from `toGraph`, or any graphology graph with its node
 * attributes (nodes added dependencies first, as `toGraph` adds them, for `color: 'order'`).
 * An edge with the attribute `returned: true` runs from a result of a graph a task
 * returned to that task (see `withAddedGraphs`, from @taskgraph/observe), drawn dashed.
 */
export type DrawnGraph = DirectedGraph<
  TaskNodeAttributes,
  Record<string, unknown>,
  Partial<TaskGraphAttributes>
>
