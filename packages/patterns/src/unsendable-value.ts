import { SerializationError, type TaskErrorOptions } from '@taskgraph/scheduler'
import type { NotSerializableFault } from '@taskgraph/scheduler/internal'

/** Where a pattern's task says a value that could not cross sits, and what to do instead. */
export interface UnsendableAt {
  /** The value as the user wrote it (`items[5]`, `data[2]`), not the task's `args[1][5]`. */
  readonly path: string
  /** The item, element or call it belongs to; none for a value all of them share. */
  readonly index: number | undefined
  readonly advice: string
}

/**
 * The `SerializationError` a pattern's task (a map's chunk, a per-element property, an
 * in-batch call) reports for `fault`, a value a worker could not be sent or send back,
 * named as the pattern names it (`at`) rather than by the task's arguments.
 */
export function unsendableValue(
  { key, functionName, caller }: TaskErrorOptions,
  fault: NotSerializableFault,
  { path, index, advice }: UnsendableAt,
): SerializationError {
  const { direction, valueType, reason } = fault
  // `advice` is internal to taskgraph (left out of the published types), for errors
  // whose task says better what to do: passed in an object made beforehand.
  const init = { key, functionName, caller, direction, path, index, valueType, reason, advice }
  return new SerializationError(init)
}
