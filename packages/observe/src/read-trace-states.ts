import type { TaskStatus } from '@taskgraph/scheduler'
import { InvalidTraceError } from './invalid-trace-error.js'
import { TRACE_FIX, traceInput } from './trace-input.js'

/** How a run left one task, as a trace tells it: its last attempt's status and length. */
export interface TraceTaskState {
  status: TaskStatus
  /** How long the last attempt ran, in milliseconds. */
  durationMs: number
}

const STATUSES = new Set<unknown>(['done', 'failed', 'cancelled', 'cached'])

/**
 * How a run left each of its tasks, by key, read from its trace (the JSON text of a
 * trace file, or the object `toChromeTrace` returns): the status and duration of each
 * task's last attempt. What `toDot`'s `taskStates` and `visualize` take, to colour a
 * drawing by status or duration.
 * @example toDot(graph, { color: 'status', taskStates: readTraceStates(await readFile('run.json', 'utf8')) })
 * @throws {InvalidTraceError} for text that is not JSON, or a value that is not a trace
 * taskgraph wrote
 */
export function readTraceStates(trace: unknown): Map<string, TraceTaskState> {
  const { traceEvents } = traceInput('readTraceStates', trace)
  const states = new Map<string, TraceTaskState>()
  const attempts = new Map<string, number>()
  traceEvents.forEach((event: unknown, index) => {
    if ((event as { ph?: unknown } | null)?.ph !== 'X') return
    const { key, status, attempt, dur } = taskEvent(event, index)
    // The last attempt counts; a later event of the same attempt replaces an earlier one.
    if (attempt < (attempts.get(key) ?? -Infinity)) return
    attempts.set(key, attempt)
    states.set(key, { status, durationMs: dur / 1000 })
  })
  return states
}

interface TaskEventFields {
  key: string
  status: TaskStatus
  attempt: number
  dur: number
}

/** The fields of a complete event that says how an attempt of a task went. */
function taskEvent(event: unknown, index: number): TaskEventFields {
  const { dur, args } = event as { dur?: unknown; args?: unknown }
  const { key, status, attempt } = (args ?? {}) as Record<string, unknown>
  if (
    typeof key !== 'string' ||
    !STATUSES.has(status) ||
    typeof attempt !== 'number' ||
    typeof dur !== 'number' ||
    !Number.isFinite(dur) ||
    dur < 0
  ) {
    throw new InvalidTraceError({
      message: `readTraceStates: event ${index} of the trace is a complete event (ph 'X') but not a task attempt of taskgraph's: it needs a duration (dur) and args { key, status, attempt }. ${TRACE_FIX}`,
    })
  }
  return { key, status: status as TaskStatus, attempt, dur }
}
