// The public API of @taskgraph/observe: what people look at, made of the record the
// scheduler gives of each task attempt (`TaskRecord`, through `ComputeHooks.onTaskRecord`).
// It reads records and never runs anything: it needs @taskgraph/scheduler for types only.

// Collects the records of runs, as dask.diagnostics.Profiler.
export { Profiler } from './profiler.js'

// A trace in the Trace Event Format, for Perfetto (ui.perfetto.dev) and chrome://tracing.
export { toChromeTrace, type TraceOptions } from './to-chrome-trace.js'
export { writeChromeTrace } from './write-chrome-trace.js'
export type {
  ChromeTrace,
  CompleteEvent,
  InstantEvent,
  MetadataEvent,
  TaskEventArgs,
  TraceColor,
  TraceEvent,
  TraceMetadata,
} from './chrome-trace.js'

// How a run left each task, read back from its trace: what a drawing colours by.
export { readTraceStates, type TraceTaskState } from './read-trace-states.js'
export { InvalidTraceError } from './invalid-trace-error.js'
