import { InvalidOptionError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import type { Executor, TaskCall } from './executor.js'

/** Tasks in flight by default on the `async` executor. */
export const DEFAULT_ASYNC_CONCURRENCY = 100

/**
 * Runs tasks on the calling thread's event loop, up to `concurrency` at once: async
 * (I/O-bound) task functions overlap, as with `asyncio.gather`. Synchronous functions
 * still run one at a time, since they hold the thread.
 */
export class AsyncExecutor implements Executor {
  readonly name = 'async'
  readonly concurrency: number

  constructor(options: { concurrency?: number } = {}) {
    this.concurrency = checkConcurrency(
      'new AsyncExecutor',
      options.concurrency ?? DEFAULT_ASYNC_CONCURRENCY,
    )
  }

  run(call: TaskCall): unknown {
    return call.fn(...call.args)
  }
}

/** Validates a `concurrency` option: a whole number, 1 or more, or `Infinity`. */
export function checkConcurrency(caller: string, concurrency: unknown): number {
  if (concurrency === Infinity || (Number.isInteger(concurrency) && (concurrency as number) >= 1)) {
    return concurrency as number
  }
  throw new InvalidOptionError({
    message: `${caller}: option "concurrency" must be a whole number of tasks, 1 or more (or Infinity), got ${describeValue(concurrency)}.`,
  })
}
