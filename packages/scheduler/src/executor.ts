import type { AnyFunction } from '@taskgraph/core'

/** One task, ready to run: its arguments are already resolved. */
export interface TaskCall {
  /** The task's key. */
  readonly key: string
  /** The task function's name. */
  readonly name: string
  readonly fn: AnyFunction
  readonly args: unknown[]
}

/**
 * Where tasks run. The scheduler decides what runs when (dependencies, priorities,
 * failures, cancellation); an executor only runs the calls it is handed, at most
 * `concurrency` at a time. In-process executors call the function directly; pool
 * executors ship the call to a worker.
 */
export interface Executor {
  /** Short name for logs and errors, e.g. `'async'`. */
  readonly name: string
  /** Most tasks in flight at once; the scheduler never exceeds it. */
  readonly concurrency: number
  /** Runs one call: returns its result, or a promise of it. May throw. */
  run(call: TaskCall): unknown
  /** Releases what the executor holds (workers, handles). Called once by its owner. */
  close?(): Promise<void> | void
}
