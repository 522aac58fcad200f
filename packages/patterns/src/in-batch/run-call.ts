import { randomUUID } from 'node:crypto'
import { isMainThread } from 'node:worker_threads'
import { delayed, type AnyFunction } from '@taskgraph/core'
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

async function runCall(fn: AnyFunction, args: unknown[], home: string): Promise<Settled> {
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

export const runCallTask = delayed(runCall)
