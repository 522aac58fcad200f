import type { ComputeHooks, TaskRecord } from '@taskgraph/scheduler'
import { withRecordSink } from '@taskgraph/scheduler/internal'
import type { AddedGraph, ChromeTrace } from './chrome-trace.js'
import { checkTraceOptions } from './check-trace-options.js'
import { RecordLog } from './record-log.js'
import type { ReportOptions } from './report/report-options.js'
import { toReportHtml } from './on-demand.js'
import { toChromeTrace, type TraceOptions } from './to-chrome-trace.js'

/**
 * Collects the record of each task attempt of the runs it is given to, as Dask's
 * `dask.diagnostics.Profiler` does, to make a trace of them; and the graphs their tasks
 * returned, so that the trace can draw them.
 * @example
 * const profiler = new Profiler()
 * await compute(total, { hooks: profiler.hooks })
 * await writeFile('run.json', JSON.stringify(profiler.trace()))
 */
export class Profiler {
  readonly #log = new RecordLog()
  readonly #added: AddedGraph[] = []

  /** Hooks to pass to `compute` (or to combine with others). */
  readonly hooks: ComputeHooks = {
    // A run given this hook as it is writes the records straight into the log.
    onTaskRecord: withRecordSink((record: TaskRecord) => this.#log.add(record), this.#log),
    // Made for this hook when read, and so the profiler's own: kept as they are.
    onTasksAdded: ({ parent, graph, results }) => {
      this.#added.push({ parent: parent.key, tasks: graph, results })
    },
  }

  /** The records collected so far, in the order attempts ended. */
  get records(): readonly TaskRecord[] {
    return this.#log.records()
  }

  /** The graphs tasks returned so far, in the order the runs added them. */
  get addedGraphs(): readonly AddedGraph[] {
    return this.#added.slice()
  }

  /**
   * The Chrome trace of the records collected so far, with the graphs tasks returned
   * (see `toChromeTrace`).
   */
  trace(options: TraceOptions = {}): ChromeTrace {
    checkTraceOptions('Profiler#trace', options)
    return toChromeTrace(this.#log.records(), { addedGraphs: this.#added, ...options })
  }

  /** The HTML report of the records collected so far (see `toReportHtml`). */
  report(options?: ReportOptions): Promise<string> {
    return toReportHtml(this.#log.records(), options)
  }

  /** Forgets the records and graphs collected, to profile another run with the same hooks. */
  clear(): void {
    this.#log.clear()
    this.#added.length = 0
  }
}
