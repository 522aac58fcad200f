import type { TaskGraph } from '@taskgraph/core/internal'
import type { AddedTask, TaskInfo, TasksAdded } from './hooks.js'

/**
 * What `onTasksAdded` hears of a graph a task returned. Its tasks are described when
 * first read: most hooks count them only, and a recursion adds one graph per call.
 */
export class TasksAddedInfo implements TasksAdded {
  readonly tasks: number
  readonly parent: TaskInfo
  readonly #graph: TaskGraph
  #described: readonly AddedTask[] | undefined

  constructor(tasks: number, parent: TaskInfo, graph: TaskGraph) {
    this.tasks = tasks
    this.parent = parent
    this.#graph = graph
  }

  get graph(): readonly AddedTask[] {
    return (this.#described ??= describe(this.#graph))
  }

  get results(): readonly string[] {
    const graph = this.#graph
    return [...new Set(Array.from(graph.outputs, (i) => graph.key(i)))]
  }

  /** Both getters' values as own fields: for `JSON.stringify` and `console.log`. */
  toJSON(): TasksAdded {
    const { tasks, parent, graph, results } = this
    return { tasks, parent, graph, results }
  }
}

function describe(graph: TaskGraph): AddedTask[] {
  const described = new Array<AddedTask>(graph.size)
  for (let i = 0; i < graph.size; i++) {
    const dependencies: string[] = []
    for (let d = graph.depStart[i]!; d < graph.depStart[i + 1]!; d++) {
      dependencies.push(graph.key(graph.depNodes[d]!))
    }
    described[i] = {
      key: graph.key(i),
      name: graph.name(i),
      kind: graph.fn(i) === undefined ? 'data' : 'task',
      dependencies,
    }
  }
  return described
}
