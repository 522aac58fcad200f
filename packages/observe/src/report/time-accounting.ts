import type { TaskRecord } from '@taskgraph/scheduler'
import type { ReportData } from './report-data.js'

/** Where the run's time went, in whole microseconds. */
export interface TimeAccounting {
  /** From the first task queued to the last attempt's end. */
  readonly wallUs: number
  /** The sum of every attempt's length. */
  readonly busyUs: number
  /** Worker slots: the trace's tracks, the stream's rows. */
  readonly slots: number
  /** Slot time no attempt used: `slots × wallUs − busyUs` (0 at least). */
  readonly idleUs: number
}

/**
 * The run's wall time against the time its tasks took. The wall time counts from the
 * first `queuedAt`, not the first start: waiting for a worker is part of the run.
 */
export function timeAccounting(records: readonly TaskRecord[], data: ReportData): TimeAccounting {
  let first = Infinity
  let last = -Infinity
  for (const { queuedAt, startedAt, endedAt } of records) {
    const begun = Number.isFinite(queuedAt) ? queuedAt : startedAt
    if (Number.isFinite(begun) && begun < first) first = begun
    if (Number.isFinite(endedAt) && endedAt > last) last = endedAt
  }
  const wallUs = last >= first ? Math.round((last - first) * 1000) : 0
  const busyUs = data.duration.reduce((sum, duration) => sum + duration, 0)
  const slots = data.tracks.length
  return { wallUs, busyUs, slots, idleUs: Math.max(0, slots * wallUs - busyUs) }
}
