import { writeFile } from 'node:fs/promises'
import type { TaskRecord } from '@taskgraph/scheduler'
import { checkReportOptions, type ReportOptions } from './report-options.js'
import { toReportHtml } from './to-report-html.js'

/**
 * Writes the report of `records` (see `toReportHtml`) to `path`.
 * @example await writeReport('report.html', profiler.records, { name: 'flow.ts', graph: toGraph(total) })
 * @throws {InvalidOptionError} for an unknown option or a bad value; what writing throws
 */
export async function writeReport(
  path: string,
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<void> {
  checkReportOptions('writeReport', options)
  await writeFile(path, await toReportHtml(records, options))
}
