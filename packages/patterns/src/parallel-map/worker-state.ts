import type { AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'

// The state a parallel map's `init` makes, once per worker. The main thread and every
// worker load this module, each its own copy, so the memo below is per worker on the
// pools and per process on `inline` and `async`. It is keyed by the init function: in a
// worker that is the function made again from its ref, the same object for every chunk.

type Slot =
  | { readonly done: true; readonly value: unknown }
  | { readonly done: false; readonly promise: Promise<unknown> }

/** Weak, so the state of an init function nobody holds any more can be collected. */
const states = new WeakMap<AnyFunction, Slot>()

/**
 * The state `init` made in this worker (or process), calling it on first use: the value,
 * or a promise of it while an async `init` runs. A failed `init` is not remembered, so
 * the next chunk tries again.
 */
export function workerState(init: AnyFunction): unknown {
  const slot = states.get(init)
  if (slot !== undefined) return slot.done ? slot.value : slot.promise
  const made: unknown = init()
  if (!isThenable(made)) {
    states.set(init, { done: true, value: made })
    return made
  }
  const promise = Promise.resolve(made).then(
    (value) => {
      states.set(init, { done: true, value })
      return value
    },
    (error: unknown) => {
      states.delete(init)
      throw error
    },
  )
  states.set(init, { done: false, promise })
  return promise
}
