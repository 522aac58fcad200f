import { isEcho, rejectionsAreFatal } from '@taskgraph/scheduler/internal'

/** What `watchLooseFailures` returns. */
export interface LooseFailures {
  /**
   * The first failure nothing caught since the watch began, once what is pending has
   * had its turn (a rejection is reported after the microtasks of its turn), if any.
   */
  first(): Promise<{ readonly error: unknown; readonly how: 'rejection' | 'exception' } | undefined>
  /** Stops watching: later failures are Node's to report again. */
  stop(): void
}

/**
 * Watches, while a workflow loads, for a promise its code rejects with nothing to handle
 * it (a top-level call of an async function without `await`) or an error a callback of
 * it throws with nothing to catch it: without a listener Node would end the command with
 * its raw report and stack. A rejection is left to Node where Node only warns of one
 * (`--unhandled-rejections=warn`); the echo of a failed import is not the workflow's.
 */
export function watchLooseFailures(): LooseFailures {
  let first: { error: unknown; how: 'rejection' | 'exception' } | undefined
  const onRejection = (reason: unknown): void => {
    if (isEcho(reason) || !rejectionsAreFatal()) return
    first ??= { error: reason, how: 'rejection' }
  }
  const onException = (error: unknown): void => {
    first ??= { error, how: 'exception' }
  }
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
