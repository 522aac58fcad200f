// The functions the user gave a bag's operation, which its tasks apply: a failure of
// such a task names that function (`double`), which the user wrote, rather than the
// task (`map`), which taskgraph made.
import { APPLIED_FUNCTION, type FindApplied } from '../applied-function.js'
import type { AnyFunction } from '../types.js'

/**
 * `taskFn`, marked as applying the user's functions among its arguments at `positions`.
 * Its failure names the one of them that is a function; the task's own name stays when
 * several are (a foldBy's key and binop: which of them failed is not known), or when the
 * failure is the task's own check (an `InvalidArgumentError`: a partition that is not
 * an array, an item a key cannot be read from, a promise where a value must be; or an
 * error marked by `ownCheck`), which is about the items or the step rather than a throw
 * of the function.
 */
export function applying<F extends AnyFunction>(taskFn: F, ...positions: number[]): F {
  const find: FindApplied = (args, failure) => {
    if (isOwnCheck(failure)) return undefined
    const given = positions.map((at) => args[at]).filter((arg) => typeof arg === 'function')
    return given.length === 1 ? (given[0] as AnyFunction) : undefined
  }
  Object.defineProperty(taskFn, APPLIED_FUNCTION, { value: find })
  return taskFn
}

/** Marks an error thrown by a task's own check that is not an `InvalidArgumentError`. */
const OWN_CHECK = Symbol('taskgraph.ownCheck')

/**
 * `error`, marked as a task's own check rather than a throw of the function it applies
 * (a fold of an empty bag: a `RangeError`, its function never called). The mark does not
 * cross from a worker: for the tasks that run on the thread computing the graph.
 */
export function ownCheck<E extends Error>(error: E): E {
  return Object.defineProperty(error, OWN_CHECK, { value: true })
}

// Read by name and code: from a worker, the failure is a copy without its class.
function isOwnCheck(failure: unknown): boolean {
  try {
    const { name, code } = failure as { name?: unknown; code?: unknown }
    if (name === 'InvalidArgumentError' && code === 'ERR_INVALID_ARGUMENT') return true
    return (failure as { [OWN_CHECK]?: unknown })[OWN_CHECK] === true
  } catch {
    return false
  }
}
