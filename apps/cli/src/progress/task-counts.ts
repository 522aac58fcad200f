import type { TaskInfo, TaskOutcome } from '@taskgraph/scheduler'

/** Where a run stands, as a progress bar counts it. */
export interface ProgressCounts {
  /** Tasks in the run (data nodes excluded). */
  readonly total: number
  /** Tasks that finished. */
  readonly done: number
  /** Tasks that failed for good (after their retries). */
  readonly failed: number
  /** Tasks running now: started, and neither ended nor failed once. */
  readonly running: number
  /**
   * Tasks that failed and will run again, until they end: their retries are not told
   * apart from the wait before them, so they are not counted as running.
   */
  readonly retrying: number
}

/**
 * The counts of a run, kept from its hooks. A task counts as running from its
 * `onTaskStart` (which a pool reports when its worker begins it) to its `onTaskEnd` or
 * first `onTaskRetry`; a late failure of a task that had ended well moves it from done
 * to failed.
 */
export class TaskCounts implements ProgressCounts {
  total = 0
  done = 0
  failed = 0
  /** Keys of the running tasks, the one started first first. */
  private readonly runningKeys = new Set<string>()
  private readonly retryingKeys = new Set<string>()

  get running(): number {
    return this.runningKeys.size
  }

  get retrying(): number {
    return this.retryingKeys.size
  }

  /** The key of the task that has been running longest, if any. */
  get oldestRunning(): string | undefined {
    for (const key of this.runningKeys) return key
    return undefined
  }

  /** A task returned a graph of `tasks` more, which the run runs too. */
  added(tasks: number): void {
    this.total += tasks
  }

  /** A new run of `total` tasks. */
  reset(total: number): void {
    this.total = total
    this.done = 0
    this.failed = 0
    this.runningKeys.clear()
    this.retryingKeys.clear()
  }

  started(task: TaskInfo): void {
    this.runningKeys.add(task.key)
  }

  retried(task: TaskInfo): void {
    // Its retry starts with no `onTaskStart`: it counts as retrying until it ends.
    this.runningKeys.delete(task.key)
    this.retryingKeys.add(task.key)
  }

  ended(task: TaskInfo, outcome: TaskOutcome): void {
    if (outcome.late === true) {
      // It was counted as done when it ended; it failed after all.
      this.done--
      this.failed++
      return
    }
    if (!this.runningKeys.delete(task.key)) this.retryingKeys.delete(task.key)
    if ('error' in outcome) this.failed++
    else this.done++
  }

  /**
   * The run is over: tasks it left running or waiting to retry (it failed fast, or was
   * cancelled) no longer run, and count as neither done nor failed.
   */
  finished(): void {
    this.runningKeys.clear()
    this.retryingKeys.clear()
  }

  /** A copy of the counts, for users of the progress bar. */
  snapshot(): ProgressCounts {
    const { total, done, failed, running, retrying } = this
    return { total, done, failed, running, retrying }
  }
}
