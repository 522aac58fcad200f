import type { TaskRecord } from '@taskgraph/scheduler'
import type { Dashboard, DashboardOptions } from './dashboard/start-dashboard.js'
import type { ReportOptions } from './report/report-options.js'

// The entry points whose code is large and used by few runs (the report's page, the
// dashboard's server): each loads its modules on its first call, so that importing
// taskgraph, in a program or in each pool worker, does not load them.

/**
 * The report of a run as one HTML page that carries its script, style and data, so it
 * opens from a file with no network: the task stream (a row per worker slot, a bar per
 * attempt, coloured by function), a table per function, where the time went, the
 * critical path, the failures and the graph coloured by duration or status.
 * @example await writeFile('report.html', await toReportHtml(profiler.records, { graph: toGraph(total) }))
 * @throws {InvalidArgumentError} for records that are not an array of task records
 * @throws {InvalidOptionError} for an unknown option or a bad value
 */
export async function toReportHtml(
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<string> {
  const report = await import('./report/to-report-html.js')
  return report.toReportHtml(records, options)
}

/**
 * Writes the report of `records` (see `toReportHtml`) to `path`.
 * @example await writeReport('report.html', profiler.records, { name: 'flow.ts', graph: toGraph(total) })
 * @throws {InvalidArgumentError} for records that are not an array of task records, or
 * a path that is not a string
 * @throws {InvalidOptionError} for an unknown option or a bad value
 * @throws {FileWriteError} when the file cannot be written (a directory, a missing
 * directory, a full disk)
 */
export async function writeReport(
  path: string,
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<void> {
  const report = await import('./report/write-report.js')
  return report.writeReport(path, records, options)
}

/**
 * Serves a live page of runs at http://127.0.0.1:PORT/, as Dask's dashboard: progress per
 * function, a stream of task bars per worker, busy and idle workers, their memory (RSS)
 * and CPU, and failures as they happen. The page carries all its code (no CDN) and is
 * updated over server-sent events.
 * @throws {DashboardPortError} (rejects) if the port is in use
 * @example
 * const dashboard = await startDashboard({ port: 0, targets: [total] })
 * console.error(`dashboard at ${dashboard.url}`)
 * try {
 *   await compute(total, { hooks: dashboard.hooks })
 * } finally {
 *   await dashboard.close()
 * }
 */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const dashboard = await import('./dashboard/start-dashboard.js')
  return dashboard.startDashboard(options)
}
