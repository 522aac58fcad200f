import { hostname } from 'node:os'
import type { CallTiming } from '../executors/executor.js'
import type { TaskWorker } from '../run/task-record.js'
import type { CallTimes } from '../wire/call.js'

const HOST = hostname()

/** One object per worker thread, whatever the number of calls it runs (records share it). */
const workers = new Map<string, TaskWorker>()

/** The timing a worker of a pool measured (`CallTimes`), as the scheduler takes it. */
export function timingOf(
  times: CallTimes,
  runtime: 'worker_threads' | 'child_process',
): CallTiming {
  return { worker: workerOf(runtime, times[0]!, times[1]!), steps: times.slice(2) }
}

/** A pool's worker thread `threadId` of process `pid`, as records name it. */
export function workerOf(
  runtime: 'worker_threads' | 'child_process',
  pid: number,
  threadId: number,
): TaskWorker {
  const kind = runtime === 'worker_threads' ? 'thread' : 'process'
  const id = `${kind} ${pid} ${threadId}`
  let worker = workers.get(id)
  if (worker === undefined) {
    worker = { kind, host: HOST, pid, threadId }
    workers.set(id, worker)
  }
  return worker
}
