import type { TaskRecord } from '@taskgraph/scheduler'
import type {
  AddedGraph,
  ChromeTrace,
  MetadataEvent,
  TaskEventArgs,
  TraceEvent,
  TraceMetadata,
} from './chrome-trace.js'
import { checkRecords } from './check-records.js'
import { checkTraceOptions } from './check-trace-options.js'
import { errorMessage } from './error-message.js'
import { assignLanes } from './lanes.js'
import { resourceEvents } from './resource-counters.js'
import type { ResourceSample } from './resource-profiler.js'
import { microseconds, nanosecondsSince } from './trace-time.js'
import { processName, threadName } from './track-names.js'

/** Options of `toChromeTrace` and `writeChromeTrace`. */
export interface TraceOptions {
  /** A name for the trace (the workflow's, say), kept in its metadata. */
  name?: string
  /**
   * Samples of the program's memory and CPU (`ResourceProfiler#samples`), drawn as
   * counter tracks of a process of their own, `resources (sampled)`.
   */
  resources?: readonly ResourceSample[]
  /**
   * The graphs tasks returned while the run ran (`Profiler#addedGraphs`), kept in the
   * metadata so that a drawing of the finished run shows their tasks.
   */
  addedGraphs?: readonly AddedGraph[]
}

/** A record placed in the trace: times in nanoseconds from its start, and its track. */
interface Placed {
  readonly record: TaskRecord
  readonly start: number
  readonly end: number
  pid: number
  tid: number
}

/** The records of one worker process (one host and pid), by thread id. */
interface ProcessGroup {
  readonly host: string
  /** When its first task started: processes are numbered in that order. */
  first: number
  readonly threads: Map<number, Placed[]>
}

/**
 * Turns task records into a Chrome trace: one process per worker process, one track per
 * slot, one complete event per attempt (failed ones red, with an instant event where they
 * failed; cancelled ones grey), and counter tracks of the `resources` sampled, if given.
 * Times start at 0 at the earliest time of any record or sample.
 * Records whose start or end is not a finite number cannot be placed and are left out
 * (counted in the metadata as `leftOut`). The graphs tasks returned (`addedGraphs`) go
 * into the metadata, which viewers leave aside.
 * @throws {InvalidArgumentError} for records that are not an array of task records
 * @throws {InvalidOptionError} for an unknown option or a bad value
 */
export function toChromeTrace(
  records: readonly TaskRecord[],
  options: TraceOptions = {},
): ChromeTrace {
  checkRecords('toChromeTrace', records)
  checkTraceOptions('toChromeTrace', options)
  return chromeTrace(records, options)
}

/**
 * `toChromeTrace` of records and options already checked, for the calls that check them
 * under their own name (`writeChromeTrace`, the report): records are checked once.
 */
export function chromeTrace(records: readonly TaskRecord[], options: TraceOptions): ChromeTrace {
  const usable = records.filter((r) => Number.isFinite(r.startedAt) && Number.isFinite(r.endedAt))
  const samples = options.resources ?? []
  const origin = Math.min(earliestTime(usable), earliestSample(samples))
  const placed = usable.map((record): Placed => {
    const start = nanosecondsSince(origin, record.startedAt)
    // Clocks can disagree by a hair: an end before the start makes an attempt of no length.
    const end = Math.max(start, nanosecondsSince(origin, record.endedAt))
    return { record, start, end, pid: 0, tid: 0 }
  })
  const metadata: TraceMetadata = { records: records.length }
  if (options.name !== undefined) metadata.name = options.name
  if (Number.isFinite(origin)) metadata.startTime = new Date(origin).toISOString()
  if (usable.length < records.length) metadata.leftOut = records.length - usable.length
  if (options.addedGraphs !== undefined && options.addedGraphs.length > 0) {
    metadata.addedGraphs = [...options.addedGraphs]
  }
  const tracks = placeOnTracks(placed)
  let tasks = taskEvents(placed)
  if (samples.length > 0) {
    // The resources' process comes after every worker process.
    const pid = new Set(placed.map((span) => span.pid)).size + 1
    const { metadata: named, counters } = resourceEvents(samples, origin, pid)
    tracks.push(...named)
    tasks = byTime(tasks, counters)
  }
  return {
    traceEvents: [...tracks, ...tasks],
    displayTimeUnit: 'ms',
    metadata,
  }
}

/**
 * The earliest time of any record, which becomes 0: normally the first `queuedAt`, but a
 * worker on another host, whose clock runs behind, may report an earlier start.
 */
function earliestTime(records: readonly TaskRecord[]): number {
  let earliest = Infinity
  for (const { queuedAt, startedAt, endedAt } of records) {
    for (const time of [queuedAt, startedAt, endedAt]) {
      if (Number.isFinite(time) && time < earliest) earliest = time
    }
  }
  return earliest
}

/** The time of the earliest sample, or Infinity for none. */
function earliestSample(samples: readonly ResourceSample[]): number {
  let earliest = Infinity
  for (const { time } of samples) if (Number.isFinite(time) && time < earliest) earliest = time
  return earliest
}

/**
 * Sets each record's `pid` and `tid` and returns the metadata events that name them.
 * Processes are numbered in the order they started a task, tracks in the order of their
 * process, thread id and lane.
 */
function placeOnTracks(placed: Placed[]): MetadataEvent[] {
  const processes = new Map<string, ProcessGroup>()
  for (const span of placed) {
    const { host, pid, threadId } = span.record.worker
    const id = `${host}\u0000${pid}`
    let process = processes.get(id)
    if (process === undefined) {
      process = { host, first: span.start, threads: new Map() }
      processes.set(id, process)
    }
    if (span.start < process.first) process.first = span.start
    const thread = process.threads.get(threadId)
    if (thread === undefined) process.threads.set(threadId, [span])
    else thread.push(span)
  }
  const ordered = [...processes.values()].sort((a, b) => a.first - b.first)
  const showHost = new Set(ordered.map((process) => process.host)).size > 1

  const events: MetadataEvent[] = []
  let nextTid = 1
  ordered.forEach((process, index) => {
    // Small numbers rather than the real pids, which two hosts can share.
    const pid = index + 1
    const threads = [...process.threads].sort(([a], [b]) => a - b)
    const workers = threads.map(([, spans]) => spans[0]!.record.worker)
    events.push(
      named(pid, 0, 'process_name', processName(workers, showHost)),
      sortIndex(pid, 0, 'process_sort_index', pid),
    )
    for (const [threadId, spans] of threads) {
      const { lanes, count } = assignLanes(spans)
      // Track ids are unique in the whole trace, not only within their process: Perfetto
      // takes a tid seen under a second pid for a thread id the system reused.
      const tids = Array.from({ length: count }, () => nextTid++)
      spans.forEach((span, i) => {
        span.pid = pid
        span.tid = tids[lanes[i]!]!
      })
      tids.forEach((tid, lane) =>
        events.push(
          named(pid, tid, 'thread_name', threadName(threadId, lane)),
          sortIndex(pid, tid, 'thread_sort_index', tid),
        ),
      )
    }
  })
  return events
}

/** Events of `a` and `b`, each already in time order, merged in time order. */
function byTime(a: readonly TraceEvent[], b: readonly TraceEvent[]): TraceEvent[] {
  const merged: TraceEvent[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) merged.push(a[i]!.ts <= b[j]!.ts ? a[i++]! : b[j++]!)
  return merged.concat(a.slice(i), b.slice(j))
}

function named(
  pid: number,
  tid: number,
  name: 'process_name' | 'thread_name',
  value: string,
): MetadataEvent {
  return { ph: 'M', name, ts: 0, pid, tid, args: { name: value } }
}

function sortIndex(
  pid: number,
  tid: number,
  name: 'process_sort_index' | 'thread_sort_index',
  index: number,
): MetadataEvent {
  return { ph: 'M', name, ts: 0, pid, tid, args: { sort_index: index } }
}

/**
 * One complete event per attempt and an instant event per failure, by time; at one time,
 * longer events first, as viewers expect an enclosing event before what it encloses.
 */
function taskEvents(placed: readonly Placed[]): TraceEvent[] {
  const timed: { start: number; length: number; event: TraceEvent }[] = []
  for (const { record, start, end, pid, tid } of placed) {
    const args = eventArgs(record)
    const cat = record.name
    const ts = microseconds(start)
    const x: TraceEvent = {
      ph: 'X',
      name: record.key,
      cat,
      ts,
      dur: microseconds(end - start),
      pid,
      tid,
      args,
    }
    if (record.status === 'failed') x.cname = 'terrible'
    if (record.status === 'cancelled') x.cname = 'grey'
    timed.push({ start, length: end - start, event: x })
    if (record.status === 'failed') {
      timed.push({
        start: end,
        length: 0,
        event: {
          ph: 'i',
          name: `failed: ${record.key}`,
          cat,
          ts: microseconds(end),
          s: 't',
          pid,
          tid,
          cname: 'terrible',
          args,
        },
      })
    }
  }
  timed.sort((a, b) => a.start - b.start || b.length - a.length)
  return timed.map(({ event }) => event)
}

function eventArgs(record: TaskRecord): TaskEventArgs {
  const args: TaskEventArgs = {
    key: record.key,
    function: record.name,
    attempt: record.attempt,
    status: record.status,
    executor: record.executor,
  }
  const queued = record.startedAt - record.queuedAt
  // Microsecond precision; a start before the hand-over is clock skew between hosts.
  if (Number.isFinite(queued)) args.queuedMs = Math.max(0, Math.round(queued * 1000) / 1000)
  if (record.status === 'failed' || record.error !== undefined) {
    args.error = errorMessage(record.error)
  }
  if (record.resultBytes !== undefined && Number.isFinite(record.resultBytes)) {
    args.resultBytes = record.resultBytes
  }
  return args
}
