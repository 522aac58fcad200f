import type { AddedTask, TaskStatus } from '@taskgraph/scheduler'

/**
 * A trace in the JSON Object Format of the Trace Event Format, which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open. Times (`ts`, `dur`) are microseconds from
 * the start of the run.
 */
export interface ChromeTrace {
  traceEvents: TraceEvent[]
  /** How the viewer shows times; the events' own unit is always microseconds. */
  displayTimeUnit: 'ms'
  metadata?: TraceMetadata
}

/** What chrome://tracing shows under "Metadata" (Perfetto leaves it out). */
export interface TraceMetadata {
  /** The `name` given to `toChromeTrace`. */
  name?: string
  /** When `ts` 0 was, as an ISO date: the earliest time of any record. */
  startTime?: string
  /** How many task records the trace was made of. */
  records: number
  /** Records left out because their start or end was not a finite number. */
  leftOut?: number
  /**
   * The graphs tasks returned while the run ran, in the order the run added them: what
   * a drawing of the finished run adds to the graph as written (`readAddedGraphs`).
   */
  addedGraphs?: readonly AddedGraph[]
}

/**
 * A graph that a task returned, which its run ran in the task's place (from the run's
 * `onTasksAdded` hook): its tasks, dependencies first, and how it hangs on the task.
 */
export interface AddedGraph {
  /** The key of the task that returned it. */
  parent: string
  /** Its tasks and data (`kind: 'data'`), each with the keys of those it takes. */
  tasks: readonly AddedTask[]
  /** Keys of its tasks whose results make up the value the parent returned. */
  results: readonly string[]
}

export type TraceEvent = CompleteEvent | InstantEvent | MetadataEvent | CounterEvent

/**
 * Values sampled at a time (phase `C`): one counter track per `name` in its process,
 * with a series per key of `args` (the program's resources, from `ResourceProfiler`).
 */
export interface CounterEvent {
  ph: 'C'
  /** `memory (MB)` or `CPU (% of a core)`. */
  name: string
  ts: number
  pid: number
  tid: 0
  /** A value per process sampled: `main`, `pid 1234`. */
  args: Record<string, number>
}

/**
 * One attempt of one task (phase `X`: a begin and an end in one event). `pid` is a
 * process of the trace (one per worker process), `tid` one of its tracks (one per
 * slot: a worker thread, or a lane of the main thread where tasks interleave).
 */
export interface CompleteEvent {
  ph: 'X'
  /** The task's key. */
  name: string
  /** The task function's name, so a viewer can group and filter by it. */
  cat: string
  ts: number
  dur: number
  pid: number
  tid: number
  /** Set for failed (`terrible`) and cancelled (`grey`) attempts. */
  cname?: TraceColor
  args: TaskEventArgs
}

/** The moment an attempt failed (phase `i`, scoped to its track: `s: 't'`). */
export interface InstantEvent {
  ph: 'i'
  /** `failed: KEY`. */
  name: string
  cat: string
  ts: number
  s: 't'
  pid: number
  tid: number
  cname?: TraceColor
  args: TaskEventArgs
}

/** Names a process or a track, or sets the order viewers list them in (phase `M`). */
export type MetadataEvent =
  | {
      ph: 'M'
      name: 'process_name' | 'thread_name'
      ts: 0
      pid: number
      tid: number
      args: { name: string }
    }
  | {
      ph: 'M'
      name: 'process_sort_index' | 'thread_sort_index'
      ts: 0
      pid: number
      tid: number
      args: { sort_index: number }
    }

/**
 * Colours the trace uses, among the names chrome://tracing reserves (catapult's
 * `color_scheme.html`): any other `cname` makes it reject the trace.
 */
export type TraceColor = 'terrible' | 'grey'

/** What a viewer shows for a task's event when it is selected. */
export interface TaskEventArgs {
  key: string
  function: string
  attempt: number
  status: TaskStatus
  executor: string
  /** Milliseconds from the call's hand-over to the executor to the task's start. */
  queuedMs?: number
  /** The message of what the attempt threw. */
  error?: string
  resultBytes?: number
}
