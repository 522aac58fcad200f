import { InvalidArgumentError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/**
 * Checks that `call` was given an array of task records: JavaScript callers can pass
 * anything, which failed deep inside as "Cannot read properties of null".
 * @throws {InvalidArgumentError} naming the call and what to pass
 */
export function checkRecords(call: string, records: unknown): void {
  if (Array.isArray(records)) return
  throw new InvalidArgumentError({
    message: `${call}: expected the run's task records, an array, got ${describeValue(records)}. Pass profiler.records, or the records an onTaskRecord hook collected.`,
  })
}

/** Checks that `call` was given a file path to write. */
export function checkWritePath(call: string, path: unknown): void {
  if (typeof path === 'string' && path !== '') return
  throw new InvalidArgumentError({
    message: `${call}: expected the path of the file to write, such as 'run.json', got ${describeValue(path)}.`,
  })
}
