/**
 * Where a task ran. On one machine, `pid` and `threadId` name the thread; on a cluster,
 * `host` and `name` name the worker process as `taskgraph cluster status` lists it.
 */
export interface TaskWorker {
  /**
   * `main`: the program's own thread (the inline and async executors, and tasks that run
   * on the main thread whatever the executor); `thread` and `process`: a worker of a
   * local pool; `cluster`: a thread of a cluster worker.
   */
  readonly kind: 'main' | 'thread' | 'process' | 'cluster'
  readonly host: string
  readonly pid: number
  /** The thread within `pid` (`worker_threads.threadId`): 0 for a process's main thread. */
  readonly threadId: number
  /** The cluster worker's name. */
  readonly name?: string
}

/**
 * How an attempt ended. `cancelled`: the run stopped (it failed fast, or was cancelled)
 * while the attempt ran, and did not wait for it. `cached`: the task did not run, its
 * result was read from the run's cache (its start and end are when the run began).
 */
export type TaskStatus = 'done' | 'failed' | 'cancelled' | 'cached'

/**
 * One attempt of one task, as it ran. Times are milliseconds since the Unix epoch, with
 * a fraction (`performance.timeOrigin + performance.now()` where they were taken):
 * `startedAt` and `endedAt` are measured in the worker that ran the task, so they leave
 * out the time the call waited in queues and travelled; `queuedAt` is when the scheduler
 * handed the call to its executor. A worker whose clock reads earlier than the
 * scheduler's (each thread and process has its own time origin, each machine its own
 * clock) has its times moved forward by the difference, durations kept, so no attempt
 * starts before it was queued. Each task of a fused chain has a record of its own,
 * with its own start and end.
 */
export interface TaskRecord {
  readonly key: string
  /** The task function's name: tasks are grouped by it. */
  readonly name: string
  /** The executor's name (`inline`, `async`, `threads`, `processes`, `cluster`, ...). */
  readonly executor: string
  readonly worker: TaskWorker
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number
  readonly queuedAt: number
  readonly startedAt: number
  readonly endedAt: number
  readonly status: TaskStatus
  /** Why the attempt failed (what the task threw), for `failed`. */
  readonly error?: unknown
  /** The result's size in bytes, where it was serialized anyway (on a cluster). */
  readonly resultBytes?: number
}
