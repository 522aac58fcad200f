/** A task as the hooks see it. */
export interface TaskInfo {
  /** The task's key. */
  readonly key: string
  /** The task function's name. */
  readonly name: string
}

/** How a task ended, for `onTaskEnd`. */
export interface TaskOutcome {
  /** The error the task threw, if it failed. */
  readonly error?: unknown
  /** Milliseconds from start to end. */
  readonly durationMs: number
}

/** Counts at the end of a run, for `onFinish`. */
export interface RunSummary {
  /** Tasks that finished. */
  readonly done: number
  /** Tasks that threw. */
  readonly failed: number
  /** Tasks not run because a dependency failed or the run stopped early. */
  readonly skipped: number
  readonly elapsedMs: number
}

/**
 * Callbacks on the progress of a run (as Dask's `Callback`), for progress bars and
 * logging. They run synchronously on the scheduler's thread: keep them quick. An error
 * thrown by a hook fails the run.
 */
export interface ComputeHooks {
  /** Before the first task; `tasks` counts the tasks to run (data nodes excluded). */
  onStart?(info: { readonly tasks: number; readonly executor: string }): void
  onTaskStart?(task: TaskInfo): void
  onTaskEnd?(task: TaskInfo, outcome: TaskOutcome): void
  onFinish?(summary: RunSummary): void
}
