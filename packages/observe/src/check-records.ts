import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/** What `call` tells the user to pass instead of records it cannot read. */
const RECORDS_FIX = 'Pass profiler.records, or the records an onTaskRecord hook collected.'

const STATUSES = new Set<unknown>(['done', 'failed', 'cancelled', 'cached'])

/**
 * Checks that `call` was given an array of task records: JavaScript callers can pass
 * anything, which failed deep inside as "Cannot read properties of null", or made a
 * trace or report of nothing. Only what traces and reports read is checked, once per
 * record. Times that are numbers but not finite are no mistake: such records are left
 * out of the trace (see `toChromeTrace`).
 * @throws {InvalidArgumentError} naming the call, the first record that is not one and
 * what to pass
 */
export function checkRecords(call: string, records: unknown): void {
  if (!Array.isArray(records)) {
    throw new InvalidArgumentError({
      message: `${call}: expected the run's task records, an array, got ${describeValue(records)}. ${RECORDS_FIX}`,
    })
  }
  for (let i = 0; i < records.length; i++) {
    const problem = recordProblem(records[i])
    if (problem !== undefined) {
      throw new InvalidArgumentError({
        message: `${call}: records[${i}] is not a task record: ${problem}. ${RECORDS_FIX}`,
      })
    }
  }
}

/** What makes `record` no task record, or `undefined` for none. */
function recordProblem(record: unknown): string | undefined {
  if (typeof record !== 'object' || record === null) return `it is ${describeValue(record)}`
  const { key, name, worker, startedAt, endedAt, status } = record as Record<string, unknown>
  if (typeof key !== 'string') return `its key is ${describeValue(key)}, not a string`
  if (typeof name !== 'string') return `its name is ${describeValue(name)}, not a string`
  if (typeof worker !== 'object' || worker === null) {
    return `its worker is ${describeValue(worker)}, not { kind, host, pid, threadId }`
  }
  if (typeof startedAt !== 'number') {
    return `its startedAt is ${describeValue(startedAt)}, not a time in milliseconds`
  }
  if (typeof endedAt !== 'number') {
    return `its endedAt is ${describeValue(endedAt)}, not a time in milliseconds`
  }
  if (!STATUSES.has(status)) {
    return `its status is ${describeValue(status)}, not 'done', 'failed', 'cancelled' or 'cached'`
  }
  return undefined
}

/** Checks that `call` was given a file path to write. */
export function checkWritePath(call: string, path: unknown): void {
  if (typeof path === 'string' && path !== '') return
  throw new InvalidArgumentError({
    message: `${call}: expected the path of the file to write, such as 'run.json', got ${describeValue(path)}.`,
  })
}
