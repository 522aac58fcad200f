import { writeFile } from 'node:fs/promises'
import type { TaskRecord } from '@taskgraph/scheduler'
import { checkReportOptions, type ReportOptions } from './report-options.js'
import { toReportHtml } from './to-report-html.js'

/** Writes the report (see on-demand.ts, where it is documented). */
export async function writeReport(
  path: string,
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<void> {
  checkReportOptions('writeReport', options)
  await writeFile(path, await toReportHtml(records, options))
}
