import { inTask, isEcho, rejectionsAreFatal } from '@taskgraph/scheduler/internal'

/** A promise rejected with nothing to handle it, or an error thrown with nothing to catch it. */
export interface LooseFailure {
  readonly error: unknown
  readonly how: 'rejection' | 'exception'
}

/** What `watchLooseFailures` returns. */
export interface LooseFailures {
  /**
   * The first failure nothing caught since the watch began, once what is pending has
   * had its turn (a rejection is reported after the microtasks of its turn), if any.
   */
  first(): Promise<LooseFailure | undefined>
  /** Stops watching: later failures are Node's to report again. */
  stop(): void
}

/**
 * Watches, while a workflow loads or its tasks run, for a promise its code rejects with
 * nothing to handle it (a top-level call of an async function without `await`) or an
 * error a callback of it throws with nothing to catch it (a top-level timer): without a
 * listener Node would end the command with its raw report and stack. `onFailure` hears
 * the first at once. One from code a task started is that task's failure while its run
 * listens too (see the scheduler's task-context.ts), and the workflow's once no run does.
 * A rejection is left to Node where Node only warns of one
 * (`--unhandled-rejections=warn`); the echo of a failed import is not the workflow's.
 */
export function watchLooseFailures(onFailure?: (failure: LooseFailure) => void): LooseFailures {
  let first: LooseFailure | undefined
  const failed = (failure: LooseFailure): void => {
    if (first !== undefined) return
    first = failure
    onFailure?.(failure)
  }
  const onRejection = (reason: unknown): void => {
    if (aTaskHears('unhandledRejection') || isEcho(reason) || !rejectionsAreFatal()) return
    failed({ error: reason, how: 'rejection' })
  }
  const onException = (error: unknown): void => {
    if (aTaskHears('uncaughtException')) return
    failed({ error, how: 'exception' })
  }
  const aTaskHears = (event: 'unhandledRejection' | 'uncaughtException'): boolean =>
    inTask() && process.listenerCount(event) > 1
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    first: async () => {
      await new Promise((resolve) => setImmediate(resolve))
      return first
    },
    stop: () => {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}
