import type { ChromeTrace, CompleteEvent } from '../chrome-trace.js'

/** How an attempt ended, as the report numbers it (`ReportData.status`). */
export const REPORT_STATUSES = ['done', 'failed', 'cancelled', 'cached'] as const

/**
 * What the report's page draws, one column per field and one row per attempt, in the
 * order of the trace's events (by start). A page of 100,000 attempts carries a few
 * arrays of numbers, not 100,000 objects: strings many attempts share (functions,
 * tracks) are kept once and referred to by index, and times are whole microseconds from
 * the trace's origin, as the page shows them.
 */
export interface ReportData {
  /** The report's name (the workflow's, say). */
  readonly name: string
  /** When the trace's origin (time 0) is, as an ISO date, if any record had a time. */
  readonly startTime?: string
  /** Function names, in order of first start; `fn` indexes this. */
  readonly functions: readonly string[]
  /** The trace's tracks (a worker slot each), as `process / thread`; `track` indexes this. */
  readonly tracks: readonly string[]
  readonly keys: readonly string[]
  readonly fn: readonly number[]
  readonly track: readonly number[]
  /** Start, microseconds from the origin. */
  readonly start: readonly number[]
  /** Length, microseconds. */
  readonly duration: readonly number[]
  /** Index into `REPORT_STATUSES`. */
  readonly status: readonly number[]
  readonly attempt: readonly number[]
  /** The attempts that carry an error (failed ones), and its message: few, so kept apart. */
  readonly errors: readonly { readonly row: number; readonly message: string }[]
}

/**
 * The report's data, from the Chrome trace of the records (`toChromeTrace`): the stream's
 * rows are then exactly the trace's tracks, and every number on the page can be read
 * back from the trace file written beside it.
 */
export function toReportData(trace: ChromeTrace, name: string): ReportData {
  const processes = new Map<number, string>()
  const threads = new Map<number, string>()
  const attempts: CompleteEvent[] = []
  for (const event of trace.traceEvents) {
    if (event.ph === 'X') attempts.push(event)
    else if (event.ph === 'M' && 'name' in event.args) {
      if (event.name === 'process_name') processes.set(event.pid, event.args.name)
      else if (event.name === 'thread_name') threads.set(event.tid, event.args.name)
    }
  }
  // Track ids are numbered from 1 in the viewer's order (see toChromeTrace).
  const tids = [...new Set(attempts.map((event) => event.tid))].sort((a, b) => a - b)
  const rows = new Map(tids.map((tid, row) => [tid, row]))
  const pidOf = new Map(attempts.map((event) => [event.tid, event.pid]))
  const functions = new Interner()
  const data = {
    name,
    ...(trace.metadata?.startTime === undefined ? {} : { startTime: trace.metadata.startTime }),
    functions: functions.values,
    tracks: tids.map((tid) => `${processes.get(pidOf.get(tid)!)} / ${threads.get(tid)}`),
    keys: [] as string[],
    fn: [] as number[],
    track: [] as number[],
    start: [] as number[],
    duration: [] as number[],
    status: [] as number[],
    attempt: [] as number[],
    errors: [] as { row: number; message: string }[],
  }
  attempts.forEach((event, row) => {
    const { key, function: fn, status, attempt, error } = event.args
    data.keys.push(key)
    data.fn.push(functions.indexOf(fn))
    data.track.push(rows.get(event.tid)!)
    data.start.push(Math.round(event.ts))
    data.duration.push(Math.round(event.dur))
    data.status.push(REPORT_STATUSES.indexOf(status))
    data.attempt.push(attempt)
    if (error !== undefined) data.errors.push({ row, message: error })
  })
  return data
}

/** Strings kept once each, numbered in the order first seen. */
class Interner {
  readonly values: string[] = []
  readonly #index = new Map<string, number>()

  indexOf(value: string): number {
    let index = this.#index.get(value)
    if (index === undefined) {
      index = this.values.push(value) - 1
      this.#index.set(value, index)
    }
    return index
  }
}
