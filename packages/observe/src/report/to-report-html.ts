import type { TaskRecord } from '@taskgraph/scheduler'
import { checkRecords } from '../check-records.js'
import { pageScript } from '../page-script.js'
import { chromeTrace } from '../to-chrome-trace.js'
import { criticalPath } from './critical-path.js'
import { functionColors } from '../function-colors.js'
import { functionStats } from './function-stats.js'
import { graphDrawings } from './graph-drawings.js'
import { escapeHtml, scriptJson } from './html-text.js'
import { REPORT_STATUSES, toReportData } from './report-data.js'
import { checkReportOptions, type ReportOptions } from './report-options.js'
import {
  failureSection,
  functionSection,
  graphSection,
  pathSection,
  streamSection,
  timeSection,
} from './report-sections.js'
import { REPORT_STYLE } from './report-style.js'
import { timeAccounting } from './time-accounting.js'

/** The report's page (see on-demand.ts, where it is documented). */
export async function toReportHtml(
  records: readonly TaskRecord[],
  options: ReportOptions = {},
): Promise<string> {
  checkRecords('toReportHtml', records)
  return reportHtml(records, checkReportOptions('toReportHtml', options))
}

/** `toReportHtml` of records and options already checked (see `writeReport`). */
export async function reportHtml(
  records: readonly TaskRecord[],
  options: ReportOptions,
): Promise<string> {
  const { name = 'taskgraph run', graph } = options
  const trace = chromeTrace(records, { name })
  const data = toReportData(trace, name)
  const path = graph === undefined ? undefined : criticalPath(graph, data)
  const drawings = graph === undefined ? undefined : await graphDrawings(graph, trace)
  const time = timeAccounting(records, data)
  const stats = functionStats(data)
  const colors = functionColors(data.functions.length)
  const failures = stats.reduce((sum, s) => sum + s.failures, 0)
  // A result read from the cache is a record of the trace, but no attempt: counted apart,
  // as the function table counts it.
  const attempts = stats.reduce((sum, s) => sum + s.count, 0)
  const cached = stats.reduce((sum, s) => sum + s.cached, 0)
  const cachedText = cached === 0 ? '' : `, ${cached.toLocaleString('en-US')} read from the cache`
  const cancelledStatus = REPORT_STATUSES.indexOf('cancelled')
  const cancelled = data.status.filter((status) => status === cancelledStatus).length
  const cancelledText = cancelled === 0 ? '' : `, ${cancelled.toLocaleString('en-US')} cancelled`
  const started = data.startTime === undefined ? '' : `, started ${escapeHtml(data.startTime)}`
  // The page script goes in as a module: the build takes it for an ES module (the
  // package is "type": "module") and ends it with `export {}`, which a classic script
  // cannot hold.
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(name)} · taskgraph report</title>
<style>${REPORT_STYLE}</style>
</head>
<body>
<h1>${escapeHtml(name)}</h1>
<p class="summary" data-testid="summary" data-attempts="${attempts}" data-failures="${failures}" data-cancelled="${cancelled}" data-cached="${cached}">${attempts.toLocaleString('en-US')} attempt${attempts === 1 ? '' : 's'} of ${stats.length.toLocaleString('en-US')} function${stats.length === 1 ? '' : 's'} on ${time.slots.toLocaleString('en-US')} worker slot${time.slots === 1 ? '' : 's'}, ${failures.toLocaleString('en-US')} failed${cancelledText}${cachedText}${started}.</p>
${timeSection(time, path)}
${streamSection(data, colors)}
${functionSection(stats)}
${pathSection(path, data)}
${failureSection(data)}
${graphSection(drawings)}
<script type="application/json" id="report-data">${scriptJson({ ...data, colors })}</script>
<script type="module">${await pageScript('report-stream.js')}</script>
</body>
</html>
`
}
