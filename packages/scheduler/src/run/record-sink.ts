import type { ComputeHooks } from './hooks.js'
import type { TaskRecord, TaskWorker } from './task-record.js'

/** The tasks of a run, by node index: what its records are named from. */
export interface RecordedTasks {
  /** Number of nodes: indexes run from 0 to `size - 1`. */
  readonly size: number
  key(node: number): string
  name(node: number): string
}

/**
 * Where an `onTaskRecord` hook that keeps records as numbers (a Profiler's log) takes
 * them, so that a run of 100,000 tasks makes no `TaskRecord` object per attempt for the
 * hook to take apart again, and reads no key or name while it runs.
 *
 * A run opens the sink once, naming its tasks, executor and thread, and closes it when
 * it ends. In between, the common record (a first attempt that ran on that thread and
 * succeeded, started as it was handed over) comes as a node and two times (`done`);
 * any other comes whole (`write`). Records of runs sharing the sink come in the order
 * their attempts ended, interleaved.
 *
 * Positional, unlike the rest of the API: `done` is called once per task on the
 * scheduler's thread, and recording is held to costing a run no more than a tenth.
 */
export interface RecordSink {
  /**
   * A run of `tasks` starts, on `executor`, its calls running on `worker` unless their
   * records say otherwise: the number its records come with. The sink may read `tasks`
   * until the run closes, and then until it has taken what its records need.
   */
  open(tasks: RecordedTasks, executor: string, worker: TaskWorker): number
  /**
   * The first attempt of node `node` of run `run` succeeded on the run's worker: handed
   * over and started at `startedAt`, ended at `endedAt` (the record's `queuedAt` is its
   * `startedAt`).
   */
  done(run: number, node: number, startedAt: number, endedAt: number): void
  /** Any other record of run `run`. */
  write(run: number, record: TaskRecord): void
  /** Run `run` has ended: no more of its records come. */
  close(run: number): void
}

type RecordHook = (record: TaskRecord) => void

/** Carried by the hook function itself, so that it follows the hook wherever it is put. */
const SINK = Symbol.for('taskgraph.recordSink')

/**
 * `hook`, marked as standing for `sink`: a run given `hook` as `onTaskRecord` writes its
 * records to `sink` instead of calling it (the two must keep the same records). A hook
 * that wraps it, or combines it with others, is called as any other.
 */
export function withRecordSink<Hook extends RecordHook>(hook: Hook, sink: RecordSink): Hook {
  Object.defineProperty(hook, SINK, { value: sink })
  return hook
}

/** The sink that the `onTaskRecord` of `hooks` stands for (see `withRecordSink`), if any. */
export function recordSinkOf(hooks: ComputeHooks | undefined): RecordSink | undefined {
  // Read, not called: the hook is only looked at for its mark.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const hook = hooks?.onTaskRecord as { readonly [SINK]?: RecordSink } | undefined
  return hook?.[SINK]
}
