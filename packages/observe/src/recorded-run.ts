import type { TaskRecord, TaskWorker } from '@taskgraph/scheduler'
import type { RecordedTasks } from '@taskgraph/scheduler/internal'

/**
 * A run whose records a `RecordLog` keeps as node indexes (see `RecordSink.open`): the
 * keys and names they stand for are read from its tasks when the records are made, or
 * copied once the run has ended (`letGo`), so that the log does not keep the run's
 * graph, with its tasks' arguments, alive.
 */
export class RecordedRun {
  #tasks: RecordedTasks | undefined
  #keys: string[] = []
  #names: string[] = []
  closed = false

  constructor(
    tasks: RecordedTasks,
    readonly executor: string,
    readonly worker: TaskWorker,
  ) {
    this.#tasks = tasks
  }

  /** The record of a first attempt of `node` that succeeded (see `RecordSink.done`). */
  done(node: number, startedAt: number, endedAt: number): TaskRecord {
    const tasks = this.#tasks
    return {
      key: tasks === undefined ? this.#keys[node]! : tasks.key(node),
      name: tasks === undefined ? this.#names[node]! : tasks.name(node),
      executor: this.executor,
      worker: this.worker,
      attempt: 1,
      queuedAt: startedAt,
      startedAt,
      endedAt,
      status: 'done',
    }
  }

  /** Copies what the records need of the run's tasks, and lets go of them. */
  letGo(): void {
    const tasks = this.#tasks
    if (tasks === undefined) return
    const keys = new Array<string>(tasks.size)
    const names = new Array<string>(tasks.size)
    for (let node = 0; node < tasks.size; node++) {
      keys[node] = tasks.key(node)
      names[node] = tasks.name(node)
    }
    this.#keys = keys
    this.#names = names
    this.#tasks = undefined
  }
}
