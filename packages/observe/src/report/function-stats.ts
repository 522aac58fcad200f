import { REPORT_STATUSES, type ReportData } from './report-data.js'

const FAILED = REPORT_STATUSES.indexOf('failed')
const CACHED = REPORT_STATUSES.indexOf('cached')

/** What the attempts of one function took, in whole microseconds. */
export interface FunctionStats {
  readonly name: string
  /** Attempts (a retried task counts once per attempt, as the trace has a bar for each). */
  readonly count: number
  readonly totalUs: number
  /** `totalUs / count`, rounded to a whole microsecond. */
  readonly meanUs: number
  readonly maxUs: number
  /** Attempts that failed. */
  readonly failures: number
  /** Tasks whose results came from the cache: not attempts, and not counted above. */
  readonly cached: number
}

/** The attempts of each function, the costliest (by total time) first. */
export function functionStats(data: ReportData): FunctionStats[] {
  const stats = data.functions.map((name) => ({
    name,
    count: 0,
    totalUs: 0,
    maxUs: 0,
    failures: 0,
    cached: 0,
  }))
  data.fn.forEach((fn, row) => {
    const entry = stats[fn]!
    if (data.status[row] === CACHED) {
      entry.cached++
      return
    }
    const duration = data.duration[row]!
    entry.count++
    entry.totalUs += duration
    if (duration > entry.maxUs) entry.maxUs = duration
    if (data.status[row] === FAILED) entry.failures++
  })
  return stats
    .map((entry) => ({
      ...entry,
      meanUs: entry.count === 0 ? 0 : Math.round(entry.totalUs / entry.count),
    }))
    .sort((a, b) => b.totalUs - a.totalUs || a.name.localeCompare(b.name))
}
