import { hostname } from 'node:os'
import type { CallTiming } from '../executors/executor.js'
import type { CallTimes } from '../wire/call.js'

const HOST = hostname()

/** The timing a worker of a pool measured (`CallTimes`), as the scheduler takes it. */
export function timingOf(
  times: CallTimes,
  runtime: 'worker_threads' | 'child_process',
): CallTiming {
  return {
    worker: {
      kind: runtime === 'worker_threads' ? 'thread' : 'process',
      host: HOST,
      pid: times[0]!,
      threadId: times[1]!,
    },
    steps: times.slice(2),
  }
}
