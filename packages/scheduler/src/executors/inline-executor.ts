import type { Executor, TaskCall } from './executor.js'

/**
 * Runs one task at a time on the calling thread, in the scheduler's deterministic order
 * (dependencies first, one chain finished before the next starts). For debugging and
 * for graphs of tiny tasks: Dask's `sync` scheduler, batchflow's `for` target.
 */
export class InlineExecutor implements Executor {
  readonly name = 'inline'
  readonly concurrency = 1

  run(call: TaskCall): unknown {
    return call.fn(...call.args)
  }
}
