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
    const { outputs } = graph
    // Mostly one: the Delayed the task returned.
    if (outputs.length === 1) return [graph.key(outputs[0]!)]
    return [...new Set(Array.from(outputs, (i) => graph.key(i)))]
  }

  /** The graph itself, for the run (not part of what hooks hear). */
  collected(): TaskGraph {
    return this.#graph
  }

  /**
   * The key of a task of the graph that is impure (it may give another result each
   * time), if one is: a result the graph makes must then not outlive the run.
   */
  impureTask(): string | undefined {
    const graph = this.#graph
    for (let i = 0; i < graph.size; i++) {
      if (graph.fn(i) === undefined) continue
      const spec = graph.spec(i)
      if (spec.pure !== true && spec.rearranges !== true) return graph.key(i)
    }
    return undefined
  }

  /** Both getters' values as own fields: for `JSON.stringify` and `console.log`. */
  toJSON(): TasksAdded {
    const { tasks, parent, graph, results } = this
    return { tasks, parent, graph, results }
  }
}

/** The dependencies of every task that has none: most tasks of a recursion's leaves. */
const NONE: readonly string[] = Object.freeze([])

function describe(graph: TaskGraph): AddedTask[] {
  const { depStart, depNodes } = graph
  const described = new Array<AddedTask>(graph.size)
  for (let i = 0; i < graph.size; i++) {
    const start = depStart[i]!
    const end = depStart[i + 1]!
    let dependencies = NONE
    if (end > start) {
      const keys = new Array<string>(end - start)
      for (let d = start; d < end; d++) keys[d - start] = graph.key(depNodes[d]!)
      dependencies = keys
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
