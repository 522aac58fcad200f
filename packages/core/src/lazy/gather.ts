import type { Delayed, DelayedTuple } from './delayed.js'
import { isDelayed } from './is-delayed.js'
import { isPlainObject } from './lazy-args.js'
import type { TaskSpec } from './lazy-node.js'
import { makeTask } from './make-task.js'
import type { AnyFunction, Computed, HasLazyMember } from '../types.js'

type LazyInterface<T> = T extends Delayed<unknown> | AnyFunction | readonly unknown[]
  ? never
  : true extends HasLazyMember<T>
    ? unknown
    : never

const GATHER_SPEC: TaskSpec = { name: 'gather', pure: true, mainThread: true, rearranges: true }

// The task's one argument is the collection; recording resolves the `Delayed` inside it,
// so the task itself only hands the resolved collection on.
function gatherTask<T>(collection: T): T {
  return collection
}

/**
 * Turns a collection of lazy values into one lazy collection (a promise of a list
 * rather than a list of promises). Gathering the same values twice gives the same task.
 *
 * @example
 * gather(a, b)          // Delayed<[A, B]>
 * gather([a, b])        // Delayed<[A, B]>
 * gather({ x: a, y: b }) // Delayed<{ x: A; y: B }>
 */
export function gather<const T extends readonly unknown[]>(items: T): DelayedTuple<Computed<T>>
export function gather<const T extends Record<string, unknown>>(items: T): Delayed<Computed<T>>
// An object of an interface type is no Record (no index signature): one with lazy members
// is taken for the plain object it is as often as not, as `Computed` takes it.
export function gather<const T extends object>(items: T & LazyInterface<T>): Delayed<Computed<T>>
export function gather<const T extends readonly unknown[]>(...items: T): DelayedTuple<Computed<T>>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function gather(...items: unknown[]): Delayed<any> {
  if (items.length === 1) {
    const only = items[0]
    if (Array.isArray(only))
      return makeTask(gatherTask, [only], GATHER_SPEC, undefined, only.length)
    if (typeof only === 'object' && only !== null && !isDelayed(only) && isPlainObject(only)) {
      return makeTask(gatherTask, [only], GATHER_SPEC)
    }
  }
  return makeTask(gatherTask, [items], GATHER_SPEC, undefined, items.length)
}
