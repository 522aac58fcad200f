import type { TaskRecord } from '@taskgraph/scheduler'
import { checkReportOptions, type ReportOptions } from './report-options.js'
import { reportHtml } from './to-report-html.js'
import { checkRecords, checkWritePath } from '../check-records.js'
import { writeWholeFile } from '../write-whole-file.js'

/** Writes the report (see on-demand.ts, where it is documented). */
export async function writeReport(
  path: string,
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<void> {
  checkWritePath('writeReport', path)
  checkRecords('writeReport', records)
  const html = await reportHtml(records, checkReportOptions('writeReport', options))
  await writeWholeFile('writeReport', path, async (file) => {
    await file.writeFile(html)
  })
}
