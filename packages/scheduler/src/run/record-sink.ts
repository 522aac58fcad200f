import type { ComputeHooks } from './hooks.js'
import type { TaskRecord, TaskStatus, TaskWorker } from './task-record.js'

/**
 * Where an `onTaskRecord` hook that keeps records as numbers (a Profiler's log) takes
 * them field by field, so that a run of 100,000 tasks makes no `TaskRecord` object per
 * attempt for the hook to take apart again. The fields are `TaskRecord`'s, in its
 * order; `error` and `resultBytes` are `undefined` where a record has none.
 *
 * Positional, unlike the rest of the API: this is called once per task attempt on the
 * scheduler's thread, and recording is held to costing a run no more than a tenth.
 */
export interface RecordSink {
  write(
    key: string,
    name: string,
    executor: string,
    worker: TaskWorker,
    attempt: number,
    queuedAt: number,
    startedAt: number,
    endedAt: number,
    status: TaskStatus,
    error: unknown,
    resultBytes: number | undefined,
  ): void
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
