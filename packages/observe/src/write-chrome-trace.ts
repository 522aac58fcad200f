import { open } from 'node:fs/promises'
import type { TaskRecord } from '@taskgraph/scheduler'
import { toChromeTrace, type TraceOptions } from './to-chrome-trace.js'

/** Events written per write: large enough to be quick, small enough to keep memory flat. */
const EVENTS_PER_WRITE = 5000

/**
 * Writes the Chrome trace of `records` to `path` as JSON (the file Perfetto and
 * chrome://tracing open). The events are written a batch at a time rather than as one
 * string, so a run of many tasks does not need its whole trace in memory twice.
 */
export async function writeChromeTrace(
  path: string,
  records: readonly TaskRecord[],
  options: TraceOptions = {},
): Promise<void> {
  const { traceEvents, ...rest } = toChromeTrace(records, options)
  const file = await open(path, 'w')
  try {
    const head = JSON.stringify(rest)
    await file.write(`${head.slice(0, -1)},"traceEvents":[\n`)
    for (let i = 0; i < traceEvents.length; i += EVENTS_PER_WRITE) {
      const batch = traceEvents.slice(i, i + EVENTS_PER_WRITE)
      const separator = i + EVENTS_PER_WRITE < traceEvents.length ? ',\n' : '\n'
      await file.write(batch.map((event) => JSON.stringify(event)).join(',\n') + separator)
    }
    await file.write(']}\n')
  } finally {
    await file.close()
  }
}
