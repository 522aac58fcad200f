import type { TaskRecord } from './task-record.js'

/** A task as the hooks see it. */
export interface TaskInfo {
  /** The task's key. */
  readonly key: string
  /** The task function's name. */
  readonly name: string
}

/** How a task ended, for `onTaskEnd`. */
export interface TaskOutcome {
  /**
   * If the task failed for good: the `TaskError` the run reports for it (its `cause`
   * is what the task threw).
   */
  readonly error?: unknown
  /** Milliseconds from start to end. */
  readonly durationMs: number
  /**
   * The hooks were told of the task's end already (as a success): this failure came
   * after, from a promise it made that rejected with nothing to handle it.
   */
  readonly late?: boolean
}

/** A retry about to be made, for `onTaskRetry`. */
export interface TaskRetry {
  /** Why the last attempt failed. */
  readonly error: unknown
  /** Which retry this is: 1 for the first. */
  readonly attempt: number
  readonly delayMs: number
}

/** A task of a graph that a task returned, for `onTasksAdded`. */
export interface AddedTask extends TaskInfo {
  /** `'task'` for a function call, `'data'` for a literal value. */
  readonly kind: 'task' | 'data'
  /** Keys of the tasks (and data) of the same graph whose results it takes. */
  readonly dependencies: readonly string[]
}

/** A graph that a task returned, which the run runs in its place, for `onTasksAdded`. */
export interface TasksAdded {
  /** How many tasks it holds (data excluded). */
  readonly tasks: number
  /** The task that returned it. */
  readonly parent: TaskInfo
  /**
   * Its tasks and data, dependencies first: what a drawing of the finished run adds
   * (made when first read).
   */
  readonly graph: readonly AddedTask[]
  /** Keys of its tasks whose results make up the value `parent` returned. */
  readonly results: readonly string[]
}

/** Counts at the end of a run, for `onFinish`. */
export interface RunSummary {
  /** Tasks that finished. */
  readonly done: number
  /** Tasks that failed for good (after their retries). */
  readonly failed: number
  /** Tasks not run because a dependency failed or the run stopped early. */
  readonly skipped: number
  /** Tasks not run because their results came from the run's cache. */
  readonly cached: number
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
  /** A failed task will run again after `delayMs` (attempt `attempt` of its retries). */
  onTaskRetry?(task: TaskInfo, retry: TaskRetry): void
  /**
   * Each attempt of each task once it has ended, with where and when it ran, as the
   * worker measured it (see `TaskRecord`): what traces and reports are made of.
   */
  onTaskRecord?(record: TaskRecord): void
  /**
   * Task `parent` returned a graph of `tasks` more tasks, which the run runs in its place
   * (their hooks follow, as the run's own tasks' do); `graph` holds them, `results` the
   * keys that stand for what `parent` returned.
   */
  onTasksAdded?(info: TasksAdded): void
  onFinish?(summary: RunSummary): void
}
