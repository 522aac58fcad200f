// How a task that runs a user's function over many items (a parallel map's chunk, a
// per-element property) says which item failed: the run reports a copy of what it throws
// (from a worker: name, fields and cause only) as a TaskError naming the index.

/** The name of an `indexedFailure`, which is all of it a copy from a worker keeps besides its fields. */
const INDEXED_FAILURE = 'TaskgraphIndexedFailure'

/**
 * What a task throws when the user's function fails on the item at `index`: an error
 * carrying the index, with what the function threw as its `cause`.
 */
export function indexedFailure(index: number, cause: unknown): Error {
  const error = new Error(`item ${index} failed`, { cause })
  error.name = INDEXED_FAILURE
  return Object.assign(error, { index })
}

/** The index and cause of an `indexedFailure` (or of a worker's copy of one). */
export function readIndexedFailure(error: unknown): { index: number; cause: unknown } | undefined {
  if (!(error instanceof Error) || error.name !== INDEXED_FAILURE) return undefined
  const { index } = error as Error & { index?: unknown }
  return typeof index === 'number' ? { index, cause: error.cause } : undefined
}
