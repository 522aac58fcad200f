import type { TaskRecord, TaskWorker } from '@taskgraph/scheduler'
import { expect } from 'vitest'
import type { ChromeTrace, CompleteEvent, TraceEvent } from '../src/index.js'
import { validateTrace } from './trace-validator.js'

/** Epoch milliseconds the hand-made records count from. */
export const T0 = 1_700_000_000_000

export const mainThread: TaskWorker = { kind: 'main', host: 'laptop', pid: 4242, threadId: 0 }

export function poolThread(threadId: number): TaskWorker {
  return { kind: 'thread', host: 'laptop', pid: 4242, threadId }
}

/** Times of `task` in milliseconds after `T0`. */
interface RecordFields extends Partial<Omit<TaskRecord, 'queuedAt' | 'startedAt' | 'endedAt'>> {
  readonly key: string
  readonly start: number
  readonly end: number
  /** @default start */
  readonly queued?: number
}

/** A record as an executor gives it, with what a test does not care about filled in. */
export function task({ start, end, queued = start, ...fields }: RecordFields): TaskRecord {
  return {
    name: fields.key.split('-')[0]!,
    executor: 'threads',
    worker: mainThread,
    attempt: 1,
    status: 'done',
    ...fields,
    queuedAt: T0 + queued,
    startedAt: T0 + start,
    endedAt: T0 + end,
  }
}

/**
 * Checks `trace` as a file: written as JSON, it must be a valid trace (see
 * `validateTrace`) laid out as taskgraph promises: events by time, task events of one
 * track never overlapping (they may touch), each track in one process. Returns the events.
 */
export function expectValidTrace(trace: ChromeTrace): TraceEvent[] {
  return expectValidJson(JSON.stringify(trace))
}

export function expectValidJson(json: string): TraceEvent[] {
  const { problems, events } = validateTrace(json)
  expect(problems).toEqual([])
  const parsed = events as unknown as TraceEvent[]
  expect(layoutProblems(parsed)).toEqual([])
  return parsed
}

function layoutProblems(events: readonly TraceEvent[]): string[] {
  const problems: string[] = []
  const ends = new Map<number, number>()
  const pids = new Map<number, number>()
  let last = 0
  for (const event of events) {
    if (event.ts < last) problems.push(`${event.name} at ${event.ts} comes after ${last}`)
    last = event.ts
    if (event.name === 'process_name' || event.name === 'process_sort_index') continue
    const pid = pids.get(event.tid)
    if (pid !== undefined && pid !== event.pid) problems.push(`tid ${event.tid} in two processes`)
    pids.set(event.tid, event.pid)
    if (event.ph !== 'X') continue
    // In whole nanoseconds, as Perfetto reads times.
    const start = Math.trunc(event.ts * 1000)
    const end = start + Math.trunc(event.dur * 1000)
    if (start < (ends.get(event.tid) ?? 0)) problems.push(`${event.name} overlaps on ${event.tid}`)
    ends.set(event.tid, end)
  }
  return problems
}

/** The complete events of a trace: one per attempt. */
export function attempts(events: readonly TraceEvent[]): CompleteEvent[] {
  return events.filter((event): event is CompleteEvent => event.ph === 'X')
}

/**
 * The trace as its viewer lays it out, one line per track in the viewer's order:
 * `process / track: task keys in time order`, failed attempts marked `!`, cancelled `~`.
 */
export function tracks(trace: ChromeTrace): string[] {
  const names = new Map<string, string>()
  const order: string[] = []
  for (const event of trace.traceEvents) {
    if (event.ph !== 'M' || !('name' in event.args)) continue
    if (event.name === 'process_name') names.set(`${event.pid}`, event.args.name)
    else {
      names.set(`${event.pid}/${event.tid}`, event.args.name)
      order.push(`${event.pid}/${event.tid}`)
    }
  }
  const keys = new Map<string, string[]>()
  for (const event of attempts(trace.traceEvents)) {
    const mark = { done: '', failed: '!', cancelled: '~', cached: '=' }[event.args.status]
    const track = `${event.pid}/${event.tid}`
    keys.set(track, [...(keys.get(track) ?? []), `${event.name}${mark}`])
  }
  return order.map((track) => {
    const process = names.get(track.split('/')[0]!)
    return `${process} / ${names.get(track)}: ${(keys.get(track) ?? []).join(' ')}`
  })
}
