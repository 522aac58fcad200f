import { AggregateTaskError, type TaskError } from '../errors.js'
import type { RunSummary } from './hooks.js'

/** What a run has come to so far: tasks done, failures, and what it ends with. */
export class RunTally {
  /** Tasks that failed for good, in the order they failed. */
  readonly failures: TaskError[] = []
  /** An error that fails the whole run once tasks in flight end (a hook threw, ...). */
  fatal: { readonly error: unknown } | undefined
  tasksDone = 0
  /** Tasks of graphs that tasks returned which failed (their tasks fail with them). */
  private nestedFailed = 0
  private readonly startedAt = performance.now()

  constructor(
    private taskCount: number,
    private cached: number,
  ) {}

  /** A task returned a graph of `tasks` tasks, which the run runs too. */
  added(tasks: number): void {
    this.taskCount += tasks
  }

  /** The counts of a graph a task returned, once it has run. */
  absorb(summary: RunSummary): void {
    this.tasksDone += summary.done
    this.nestedFailed += summary.failed
    this.cached += summary.cached
  }

  /** Counts for `onFinish`, `running` tasks being still in flight. */
  summary(running: number): RunSummary {
    const failed = this.failures.length + this.nestedFailed
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
