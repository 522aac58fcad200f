import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks'
import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue, isThenable } from '@taskgraph/core/internal'
import { DiscardedFault } from './executor-faults.js'
import type { Executor, TaskCall } from './executor.js'

/** Tasks in flight by default on the `async` executor. */
export const DEFAULT_ASYNC_CONCURRENCY = 100

/**
 * A call of an `AsyncExecutor` while it runs, and the calls whose tasks started it
 * (`outer`): async context carries it to everything its task starts, so a compute
 * started inside a task is known to be (see `AsyncExecutor.run`).
 */
interface Running {
  readonly executor: AsyncExecutor
  readonly outer: Running | undefined
  /** Whether it holds room of its executor's `concurrency`. */
  holding: boolean
}

const running = new AsyncLocalStorage<Running>()

/** A call waiting for room, to start in the async context it was handed over in. */
interface Waiting {
  readonly start: () => void
  readonly discard: () => void
}

/**
 * Runs tasks on the calling thread's event loop, up to `concurrency` at once: async
 * (I/O-bound) task functions overlap, as with `asyncio.gather`. Synchronous functions
 * still run one at a time, since they hold the thread.
 *
 * The limit is the executor's, not each run's: computes sharing one instance (a
 * `Client`'s futures, two `compute` calls at once) have at most `concurrency` tasks in
 * flight together. A call beyond it waits, in the order handed over, and begins (for
 * hooks and timeouts) when it starts. A task that starts a compute on the executor it runs
 * on gives its room back as it does, as Dask's tasks that start tasks leave the worker's
 * pool (`secede`): it waits for those tasks, which would otherwise wait for its room.
 * A task whose run stopped waiting for it (failed, cancelled, or the task timed out or
 * stalled) gives its room back too: nothing can stop it, and it must not hold back the
 * tasks after it, its run's or others'.
 */
export class AsyncExecutor implements Executor {
  readonly name = 'async'
  readonly concurrency: number
  readonly reportsStarts = true
  #running = 0
  readonly #waiting: Waiting[] = []
  /** How each call still pending gives its room back (see `abandoned`). */
  readonly #ends = new Map<TaskCall, () => void>()

  constructor(options: { concurrency?: number } = {}) {
    // A misspelt option (`concurency: 3`) would otherwise leave the default in place.
    checkOptionNames('new AsyncExecutor', options, ['concurrency'])
    // Only a limit left out is the default: `null` is checked, and refused.
    this.concurrency = checkConcurrency(
      'new AsyncExecutor',
      options.concurrency === undefined ? DEFAULT_ASYNC_CONCURRENCY : options.concurrency,
    )
  }

  /**
   * Whether a call already waits for room: a run then holds its next tasks in its own
   * priority order, rather than queueing them here behind other runs' (one run alone
   * never hands over more than `concurrency`, so never waits).
   */
  saturated(): boolean {
    return this.#waiting.length > 0
  }

  run(call: TaskCall): unknown {
    // Calls of a compute started inside tasks of this executor: those tasks wait for it.
    for (let task = running.getStore(); task !== undefined; task = task.outer) {
      if (task.executor === this) this.#leave(task)
    }
    if (this.#running < this.concurrency) return this.#start(call)
    return new Promise((resolve, reject) => {
      const waiting: Waiting = {
        // Started from another call's end: in this call's own async context, so that
        // what its task starts is traced back to it.
        start: AsyncResource.bind(() => {
          call.signal.removeEventListener('abort', waiting.discard)
          // What the call throws as it starts rejects it.
          resolve(new Promise((started) => started(this.#start(call))))
        }),
        discard: () => {
          this.#waiting.splice(this.#waiting.indexOf(waiting), 1)
          reject(new DiscardedFault())
        },
      }
      call.signal.addEventListener('abort', waiting.discard, { once: true })
      this.#waiting.push(waiting)
    })
  }

  /** Starts `call` now: it holds room until it ends. */
  #start(call: TaskCall): unknown {
    this.#running++
    call.started()
    const task: Running = { executor: this, outer: running.getStore(), holding: true }
    let result: unknown
    let pending: boolean
    try {
      result = running.run(task, callTask, call)
      // Reading `then` may run the task's code (a getter, a Proxy's trap): what it throws
      // is the task's failure, and the call's end.
      pending = isThenable(result)
    } catch (error) {
      this.#leave(task)
      throw error
    }
    if (!pending) {
      this.#leave(task)
      return result
    }
    const end = (): void => {
      call.signal.removeEventListener('abort', end)
      this.#ends.delete(call)
      this.#leave(task)
    }
    call.signal.addEventListener('abort', end, { once: true })
    this.#ends.set(call, end)
    return Promise.resolve(result).finally(end)
  }

  /** The run stopped waiting for `call` (it timed out or stalled): its room is given back. */
  abandoned(call: TaskCall): void {
    this.#ends.get(call)?.()
  }

  /** `task` gives its room back, if it holds it: to the call waiting longest. */
  #leave(task: Running): void {
    if (!task.holding) return
    task.holding = false
    this.#running--
    if (this.#running < this.concurrency) this.#waiting.shift()?.start()
  }
}

function callTask(call: TaskCall): unknown {
  return call.fn(...call.args)
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
