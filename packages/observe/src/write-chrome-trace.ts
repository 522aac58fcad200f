import type { TaskRecord } from '@taskgraph/scheduler'
import { chromeTrace, type TraceOptions } from './to-chrome-trace.js'
import { checkRecords, checkWritePath } from './check-records.js'
import { checkTraceOptions } from './check-trace-options.js'
import { writeWholeFile } from './write-whole-file.js'

/** Events written per write: large enough to be quick, small enough to keep memory flat. */
const EVENTS_PER_WRITE = 5000

/**
 * Writes the Chrome trace of `records` to `path` as JSON (the file Perfetto and
 * chrome://tracing open). The events are written a batch at a time rather than as one
 * string, so a run of many tasks does not need its whole trace in memory twice; the
 * file is replaced once it is written whole (see `writeWholeFile`).
 * @throws {InvalidArgumentError} for records that are not an array of task records, or
 * a path that is not a string
 * @throws {FileWriteError} when the file cannot be written (a directory, a missing
 * directory, a full disk)
 */
export async function writeChromeTrace(
  path: string,
  records: readonly TaskRecord[],
  options: TraceOptions = {},
): Promise<void> {
  checkWritePath('writeChromeTrace', path)
  checkRecords('writeChromeTrace', records)
  checkTraceOptions('writeChromeTrace', options)
  const { traceEvents, ...rest } = chromeTrace(records, options)
  await writeWholeFile('writeChromeTrace', path, async (file) => {
    const head = JSON.stringify(rest)
    await file.write(`${head.slice(0, -1)},"traceEvents":[\n`)
    for (let i = 0; i < traceEvents.length; i += EVENTS_PER_WRITE) {
      const batch = traceEvents.slice(i, i + EVENTS_PER_WRITE)
      const separator = i + EVENTS_PER_WRITE < traceEvents.length ? ',\n' : '\n'
      await file.write(batch.map((event) => JSON.stringify(event)).join(',\n') + separator)
    }
    await file.write(']}\n')
  })
}
