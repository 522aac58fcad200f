import { randomUUID } from 'node:crypto'
import { isMainThread } from 'node:worker_threads'
import { delayed, type AnyFunction } from '@taskgraph/core'
import type { TaskError, TaskErrorOptions } from '@taskgraph/scheduler'
import { FAILURE_REPORT, NotSerializableFault } from '@taskgraph/scheduler/internal'
import { unsendableValue } from '../unsendable-value.js'
import {
  findCloneProblem,
  toWireError,
  type CloneProblem,
  type WireError,
} from '@taskgraph/scheduler/wire'

// The task of an in-batch call, made by delayed() in this module's top-level code so a
// pool's workers find it by importing it; the user's function reaches it as an argument.

/**
 * How one call ended. A failure is data, not a failed task: the other calls go on and
 * `post` sees it in its place.
 */
export type Settled =
  | { readonly ok: true; readonly value: unknown }
  /** Failed on the calling thread: what was thrown, as it is. */
  | { readonly ok: false; readonly error: unknown }
  /** Failed in a worker: a copy that crosses back (errors carry no class across). */
  | { readonly ok: false; readonly wire: WireError }
  /** Succeeded in a worker with a result that cannot cross back. */
  | { readonly ok: false; readonly unsendable: CloneProblem }

/**
 * Made anew by each thread and process that loads this module: a call whose `home` is
 * this thread's runs where it was made, so it can hand back the very value or error.
 */
export const HOME = randomUUID()

/**
 * Calls `fn(...args)`. `_index`, the call's place in its batch, is for the report of
 * arguments a worker could not be sent (`reportCallFailure`), which only sees the task's.
 */
async function runCall(
  fn: AnyFunction,
  args: unknown[],
  home: string,
  _index: number,
): Promise<Settled> {
  let value: unknown
  try {
    value = (await fn(...args)) as unknown
  } catch (error) {
    return home === HOME ? { ok: false, error } : { ok: false, wire: toWireError(error) }
  }
  if (home === HOME) return { ok: true, value }
  // A child process (its own main thread) cannot share memory with its parent.
  const problem = findCloneProblem(value, 'the result', { sameProcess: !isMainThread })
  return problem === undefined ? { ok: true, value } : { ok: false, unsendable: problem }
}

/**
 * How a run reports a call whose arguments a worker could not be sent: a
 * `SerializationError` naming the call's `index` and the argument (`args[0] of call 2`,
 * not the task's `args[1][0]`), with advice for in-batch functions. A fault of the run
 * (a timeout, a lost worker) is its error with the call's `index`, as the other failures
 * of a call name it.
 */
function reportCallFailure(
  options: TaskErrorOptions,
  args: readonly unknown[],
  fault?: TaskError,
): TaskError | undefined {
  const { cause } = options
  const index = args[3]
  if (typeof index !== 'number') return fault
  if (fault !== undefined) {
    return Object.defineProperty(fault, 'index', { value: index, enumerable: true })
  }
  if (!(cause instanceof NotSerializableFault)) return undefined
  const argument = /^args\[1\](\[\d+\].*)$/s.exec(cause.path)
  if (cause.direction !== 'argument' || argument === null) return undefined
  return unsendableValue(options, cause, {
    path: `args${argument[1]} of call ${index}`,
    index,
    advice:
      "Pass plain data as the calls' arguments (objects, arrays, Map, Set, Date, typed arrays, BigInt), " +
      'or run on the target "async" or "for", where arguments are not copied.',
  })
}
Object.defineProperty(runCall, FAILURE_REPORT, { value: reportCallFailure })

export const runCallTask = delayed(runCall)
