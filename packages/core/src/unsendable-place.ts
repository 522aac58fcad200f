// How a task names a value of its call that a worker could not be sent or send back,
// in the words of the call that made the task (`item 3 of partition 2`) rather than by
// its arguments (`args[0][3]`). Core's tasks keep it; the scheduler, which reports the
// failure, reads it by this brand, so neither package imports the other for it.

/**
 * Where a task function keeps its `NameUnsendable`. `Symbol.for`: shared by every copy
 * of taskgraph in the process.
 */
export const UNSENDABLE_PLACE = Symbol.for('taskgraph.unsendablePlace')

/** A value that could not cross, as the call that made the task names it. */
export interface UnsendablePlace {
  /** Where the value sits, e.g. `item 3 of partition 2`. */
  readonly path: string
  /** The partition of a bag the value belongs to. */
  readonly partition?: number | undefined
  /** The item of that partition the value belongs to. */
  readonly index?: number | undefined
  /** What to do instead. */
  readonly advice?: string | undefined
}

/**
 * Names the value at `path` (`args[0][3].a`, `the result[1]`) of a call of the task,
 * given the task's arguments as recorded; `undefined` leaves the path as it is.
 */
export type NameUnsendable = (
  direction: 'argument' | 'result',
  path: string,
  args: readonly unknown[],
) => UnsendablePlace | undefined
