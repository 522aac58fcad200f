import { AggregateTaskError, type TaskError } from '../errors.js'
import type { RunSummary } from './hooks.js'

/** What a run has come to so far: tasks done, failures, and what it ends with. */
export class RunTally {
  /** Tasks that failed for good, in the order they failed. */
  readonly failures: TaskError[] = []
  /** An error that fails the whole run once tasks in flight end (a hook threw, ...). */
  fatal: { readonly error: unknown } | undefined
  tasksDone = 0
  private readonly startedAt = performance.now()

  constructor(
    private readonly taskCount: number,
    private readonly cached: number,
  ) {}

  /** Counts for `onFinish`, `running` tasks being still in flight. */
  summary(running: number): RunSummary {
    const failed = this.failures.length
    return {
      done: this.tasksDone,
      failed,
      skipped: Math.max(0, this.taskCount - this.tasksDone - failed - running),
      cached: this.cached,
      elapsedMs: performance.now() - this.startedAt,
    }
  }

  /**
   * What the finished run rejects with, `undefined` if it succeeded: the error that
   * failed it as a whole, else its first failure (`failFast`) or all of them.
   */
  failure(failFast: boolean, caller: string): { readonly error: unknown } | undefined {
    if (this.fatal) return this.fatal
    if (this.failures.length === 0) return undefined
    return {
      error: failFast
        ? this.failures[0]
        : new AggregateTaskError({ errors: this.failures, caller }),
    }
  }
}
