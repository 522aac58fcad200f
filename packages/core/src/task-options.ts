import { InvalidOptionError, describeValue } from './errors.js'

/**
 * How a task runs: how often a failure is retried and how long it may take. Set per
 * function with `delayed(fn, options)`, or for every task of a run in the run's options.
 */
export interface TaskOptions {
  /**
   * Run a failed task again up to this many times: after it throws, after its worker is
   * lost, or after it times out.
   * @default 0
   */
  retries?: number
  /**
   * Milliseconds to wait before the first retry; each further retry waits twice as long.
   * @default 0
   */
  retryDelay?: number
  /**
   * Milliseconds a task may run. On a pool executor a task over time is stopped by
   * ending its worker; in-process executors can only stop waiting for an async task.
   * @default no limit
   */
  timeout?: number
}

export const TASK_OPTION_NAMES: readonly string[] = ['retries', 'retryDelay', 'timeout']

/** Validates the task options among `options`, naming `caller` in errors. */
export function checkTaskOptions(caller: string, options: TaskOptions): void {
  const { retries, retryDelay, timeout } = options
  if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0)) {
    throw new InvalidOptionError({
      message: `${caller}: option "retries" must be a whole number (0 or more), got ${describeValue(retries)}.`,
    })
  }
  if (
    retryDelay !== undefined &&
    !(typeof retryDelay === 'number' && retryDelay >= 0 && Number.isFinite(retryDelay))
  ) {
    throw new InvalidOptionError({
      message: `${caller}: option "retryDelay" must be a number of milliseconds (0 or more), got ${describeValue(retryDelay)}.`,
    })
  }
  if (
    timeout !== undefined &&
    !(typeof timeout === 'number' && timeout > 0 && timeout <= 2 ** 31 - 1)
  ) {
    throw new InvalidOptionError({
      message: `${caller}: option "timeout" must be a number of milliseconds above 0 (at most 2147483647), got ${describeValue(timeout)}.`,
    })
  }
}
