// The public API of @taskgraph/observe: what people look at, made of the record the
// scheduler gives of each task attempt (`TaskRecord`, through `ComputeHooks.onTaskRecord`).
// It reads records and never runs anything: from @taskgraph/scheduler it takes types, and
// the mark by which a run hands a Profiler its records field by field.

// Collects the records of runs, as dask.diagnostics.Profiler.
export { Profiler } from './profiler.js'

// A trace in the Trace Event Format, for Perfetto (ui.perfetto.dev) and chrome://tracing.
export { toChromeTrace, type TraceOptions } from './to-chrome-trace.js'
export { writeChromeTrace } from './write-chrome-trace.js'
export { FileWriteError } from './file-write-error.js'
export type {
  AddedGraph,
  ChromeTrace,
  CompleteEvent,
  InstantEvent,
  MetadataEvent,
  TaskEventArgs,
  TraceColor,
  TraceEvent,
  TraceMetadata,
} from './chrome-trace.js'

// How a run left each task, read back from its trace: what a drawing colours by; and the
// graphs its tasks returned, which a drawing of the finished run adds.
export { readTraceStates, type TraceTaskState } from './read-trace-states.js'
export { readAddedGraphs } from './read-added-graphs.js'
export { withAddedGraphs } from './with-added-graphs.js'
export { InvalidTraceError } from './invalid-trace-error.js'

// The report of a run: one self-contained HTML page (stream, functions, time, critical
// path, failures, graph).
export { toReportHtml, writeReport, startDashboard } from './on-demand.js'
export type { ReportOptions } from './report/report-options.js'
// Graphviz DOT to SVG, in-process (WebAssembly): the report's drawing and `visualize`'s.
export { renderSvg } from './render-svg.js'
// What a program used while it ran, sampled, as dask.diagnostics.ResourceProfiler.
export {
  ResourceProfiler,
  type ProcessSample,
  type ResourceProfilerOptions,
  type ResourceSample,
} from './resource-profiler.js'

// A live page of a run, served on 127.0.0.1, as Dask's dashboard.
export { DEFAULT_DASHBOARD_PORT } from './dashboard/default-port.js'
export type { Dashboard, DashboardOptions } from './dashboard/start-dashboard.js'
export { DashboardPortError } from './dashboard/dashboard-errors.js'
export type { ClusterWorkerRow, DashboardUpdate } from './dashboard/dashboard-update.js'
