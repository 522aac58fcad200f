// What the dashboard's server sends its page, as JSON: the shape both sides agree on
// (pages/dashboard-page.js reads it). Counts and lists are whole in every update, as they
// stay small (a few groups, workers and the last failures); task bars come as they end.

/** How far a run has got. */
export type RunStatus = 'waiting' | 'running' | 'ended'

/** Tasks of one function: their progress. */
export interface GroupProgress {
  readonly name: string
  /** Tasks of the function in the run: from its targets, else those seen so far. */
  readonly total: number
  readonly done: number
  readonly failed: number
  readonly running: number
  /** Tasks whose results came from the run's cache: they did not run. */
  readonly cached: number
  /** Tasks that were running when the run was stopped, once it has ended. */
  readonly cancelled: number
}

/** A thread that ran tasks, as task records name it. */
export interface WorkerSlot {
  /** `main`, `thread 3`, `pid 1234`, `NAME thread 2`. */
  readonly label: string
  readonly kind: 'main' | 'thread' | 'process' | 'cluster'
  readonly host: string
  readonly pid: number
  /** Attempts it has ended. */
  readonly tasks: number
  /**
   * The share (0 to 1) of the last 5 seconds, or of the run so far if shorter, that its
   * ended attempts covered.
   */
  readonly busy: number
}

/** A process whose memory was sampled. */
export interface ProcessResources {
  readonly pid: number
  /** `main` (the program, its worker threads included) or `child` (a pool's process). */
  readonly role: 'main' | 'child'
  readonly rss: number
  /** Percent of one core since the last sample. */
  readonly cpu: number
}

/** A worker of a cluster, as the cluster's registry lists it. */
export interface ClusterWorkerRow {
  readonly name: string
  readonly host: string
  readonly pid: number
  readonly threads: number
  /** Tasks running on its threads. */
  readonly running: number
  /** Tasks it holds that wait for a thread (unknown for a worker that does not say). */
  readonly waiting?: number
  /** Its process's resident memory, in bytes, as its last heartbeat said. */
  readonly rss?: number
}

/** A task that failed for good. */
export interface FailureRow {
  readonly key: string
  readonly name: string
  readonly message: string
  /** Milliseconds since the epoch. */
  readonly at: number
}

/**
 * An attempt that ended, compactly: `[slot, group, start, end, status]`, `slot` and
 * `group` indexes into the update's `slots` and `groups`, times in milliseconds since the
 * update's `origin`, status 0 done, 1 failed, 2 cancelled.
 */
export type Bar = readonly [number, number, number, number, 0 | 1 | 2]

/** One message of the event stream. */
export interface DashboardUpdate {
  /** Counts up with each run the dashboard watches: a page clears its bars on a new one. */
  readonly run: number
  readonly status: RunStatus
  readonly executor: string
  /** What bars' times count from (epoch ms); the run's start. */
  readonly origin: number
  /** The server's clock (epoch ms) as it sent this. */
  readonly now: number
  readonly total: number
  readonly done: number
  readonly failed: number
  readonly running: number
  /** Tasks whose results came from the run's cache (not counted in `total`). */
  readonly cached: number
  /** Tasks that were running when the run was stopped, once it has ended. */
  readonly cancelled: number
  /** Tasks not run (a dependency failed, or the run stopped), once it has ended. */
  readonly skipped: number
  readonly groups: readonly GroupProgress[]
  readonly slots: readonly WorkerSlot[]
  /** The executor's worker threads, where known (a pool's size). */
  readonly threads?: number
  readonly processes: readonly ProcessResources[]
  /** When `processes` were sampled (epoch ms). */
  readonly sampledAt?: number
  readonly cluster?: readonly ClusterWorkerRow[]
  /** The last failures, newest last; `failed` counts them all. */
  readonly failures: readonly FailureRow[]
  /** Bars ended since the last update (the most recent ones, for a page that joins). */
  readonly bars: readonly Bar[]
}
