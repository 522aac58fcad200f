import type { TaskOptions } from '@taskgraph/core'
import type { TaskGraph } from '@taskgraph/core/internal'
import { NotSerializableFault } from '../executors/executor-faults.js'

/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Each task's options with the run's defaults filled in, merged once per distinct options object. */
export class MergedOptions {
  private readonly merged = new Map<TaskOptions, TaskOptions>()

  constructor(
    private readonly graph: TaskGraph,
    private readonly defaults: TaskOptions,
  ) {}

  of(i: number): TaskOptions {
    const own = this.graph.options(i)
    let merged = this.merged.get(own)
    if (merged === undefined) {
      const defaults = this.defaults
      merged = {
        retries: own.retries ?? defaults.retries,
        retryDelay: own.retryDelay ?? defaults.retryDelay,
        timeout: own.timeout ?? defaults.timeout,
      }
      this.merged.set(own, merged)
    }
    return merged
  }
}

/** Each task's attempts, and whether a failed one is tried again, after how long. */
export class Retries {
  /** Attempts made so far, by node: 0 while the first runs. */
  private readonly attempts: Uint32Array

  constructor(
    size: number,
    private readonly options: MergedOptions,
  ) {
    this.attempts = new Uint32Array(size)
  }

  /** Retries of task `i` made so far (0 on its first attempt). */
  made(i: number): number {
    return this.attempts[i]!
  }

  /**
   * The delay before the next attempt of task `i`, which failed with `error`, counting
   * it as made; `undefined` if it is not tried again: its retries are used up, the
   * failure is not `retryable`, or its data cannot be copied (which no retry changes).
   */
  next(i: number, error: unknown, retryable: boolean): number | undefined {
    const { retries = 0, retryDelay = 0 } = this.options.of(i)
    const attempt = this.attempts[i]!
    if (!retryable || attempt >= retries || error instanceof NotSerializableFault) return undefined
    this.attempts[i] = attempt + 1
    // Doubling, up to the longest delay a timer takes.
    return Math.min(retryDelay * 2 ** attempt, MAX_TIMER_MS)
  }
}
