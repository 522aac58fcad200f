import type { Delayed } from '../lazy/delayed.js'
import {
  isDelayedFunction,
  type DelayedFunction,
  type DelayedTupleFunction,
} from '../lazy/delayed-function.js'
import {
  CycleError,
  InvalidArgumentError,
  MissingKeyError,
  NotCallableError,
  describeValue,
} from '../errors.js'
import { containsDelayed, isPlainObject } from '../lazy/lazy-args.js'
import { KeyKind } from '../lazy/lazy-node.js'
import { makeData, makeTask } from '../lazy/make-task.js'
import { recordOrigin } from '../origin.js'
import { isThenable } from '../thenable.js'
import type { AnyFunction, Computed, OverloadedReturnType } from '../types.js'

/** A reference, inside a graph spec, to the result of the entry with `key`. */
export class KeyRef {
  constructor(readonly key: string) {}
}

/** A function call inside a graph spec: Dask's `(func, *args)` task tuple. */
export class SpecTask<R = unknown> {
  declare private readonly _result?: R
  constructor(
    readonly fn: AnyFunction,
    readonly args: readonly unknown[],
  ) {}
}

/** Refers to the result of another entry of the same graph spec. */
export function ref(key: string): KeyRef {
  if (typeof key !== 'string' || key === '') {
    throw new InvalidArgumentError({
      message: `ref: expected the key of a graph spec entry, got ${describeValue(key)}.`,
    })
  }
  return new KeyRef(key)
}

/**
 * A call of `fn` inside a graph spec; `args` may hold `ref(key)` at any depth. `fn` may
 * be a plain function or a `delayed` one: the task then calls the function it wraps,
 * with its name and options (`retries`, `timeout`, `mainThread`, `nout`...). Its entry is
 * typed as a delayed call of `fn` is: a graph `fn` returns stands for that graph's result,
 * and an overloaded `fn` gives any overload's result.
 */
export function task<F extends AnyFunction>(
  fn: DelayedFunction<F> | DelayedTupleFunction<F>,
  ...args: unknown[]
): SpecTask<TaskResult<F>>
export function task<F extends AnyFunction>(fn: F, ...args: unknown[]): SpecTask<TaskResult<F>>
export function task(fn: AnyFunction, ...args: unknown[]): SpecTask {
  if (typeof fn !== 'function') {
    throw new NotCallableError({
      message: `task: expected a function as the first argument, got ${describeValue(fn)}. Write task(fn, ...args).`,
    })
  }
  // `delayed` recorded where the function it wraps comes from; the wrapper runs nowhere.
  if (!isDelayedFunction(fn)) recordOrigin(fn)
  return new SpecTask(fn, args)
}

/** What a task entry of `fn` computes to: as for `delayed(fn)`'s calls. */
type TaskResult<F extends AnyFunction> = Computed<Awaited<OverloadedReturnType<F>>>

/** The `Delayed` of every entry of a graph spec. */
export type SpecResults<S> = { [K in keyof S]: Delayed<S[K] extends SpecTask<infer R> ? R : S[K]> }

/** A spec whose plain entries are not promises (any thenable): `fromSpec` refuses them. */
export type NoPromiseEntries<S> = {
  [K in keyof S]: S[K] extends { then(...args: never[]): unknown } ? never : S[K]
}

/**
 * Builds `Delayed` values from a graph written as data, as Dask's raw graphs: each entry
 * is a `task(fn, ...args)` or a plain value, and `ref(key)` uses another entry's result.
 * The keys become the task keys. Graphs written this way can loop, so they are checked.
 *
 * @example
 * const { total } = fromSpec({ x: 1, y: task(inc, ref('x')), total: task(add, ref('x'), ref('y')) })
 * @throws {MissingKeyError} when a `ref` names a key the spec does not have
 * @throws {CycleError} when entries depend on each other in a loop
 * @throws {InvalidArgumentError} for an entry that is a promise, or a plain value holding
 *   `ref(...)` or `Delayed` values
 */
export function fromSpec<const S extends Record<string, unknown>>(
  spec: S & NoPromiseEntries<S>,
): SpecResults<S> {
  if (typeof spec !== 'object' || spec === null || !isPlainObject(spec)) {
    throw new InvalidArgumentError({
      message: `fromSpec: expected an object of entries { key: task(...) | value }, got ${describeValue(spec)}.`,
    })
  }
  // Each entry's dependents, in Maps: graphology keeps a node's neighbours in plain
  // objects, where an entry named `constructor` or `toString` seemed linked already (its
  // edge was dropped, and the task ran before its input) and `__proto__` hung the check.
  const dependents = new Map<string, string[]>(Object.keys(spec).map((key) => [key, []]))
  for (const [key, entry] of Object.entries(spec)) {
    if (entry instanceof KeyRef) {
      throw new InvalidArgumentError({
        message: `fromSpec: entry ${JSON.stringify(key)} is a bare ref(${JSON.stringify(entry.key)}). Use task(identity, ref(...)) to alias an entry.`,
      })
    }
    const found: string[] = []
    if (entry instanceof SpecTask) findRefs(entry.args, found)
    else findRefs(entry, found)
    if (!(entry instanceof SpecTask) && found.length > 0) {
      throw new InvalidArgumentError({
        message: `fromSpec: entry ${JSON.stringify(key)} is a plain value holding ref(...). Refs are resolved only inside task(fn, ...args).`,
      })
    }
    // A data entry's value is given to tasks and to compute() as it is (see `literal`).
    if (isThenable(entry)) {
      throw new InvalidArgumentError({
        message: `fromSpec: entry ${JSON.stringify(key)} is a promise (${describeValue(entry)}, which has a then method): a data entry holds its value as it is and cannot wait for it. Await it first and pass its value, or compute it in a task: task(async () => ...).`,
      })
    }
    if (!(entry instanceof SpecTask) && containsDelayed(entry)) {
      throw new InvalidArgumentError({
        message: `fromSpec: entry ${JSON.stringify(key)} is a plain value holding Delayed values, which a data entry cannot resolve. Use task(fn, ...) with them as arguments.`,
      })
    }
    // Each entry is met once: a dependency it names twice feeds it once.
    for (const dependency of new Set(found)) {
      const feeds = dependents.get(dependency)
      if (feeds === undefined) {
        throw new MissingKeyError({
          key: dependency,
          message: `fromSpec: entry ${JSON.stringify(key)} refers to ${JSON.stringify(dependency)}, which the spec does not define. Add that entry or fix the ref.`,
        })
      }
      feeds.push(key)
    }
  }
  const cycle = findCycle(dependents)
  if (cycle.length > 0) {
    throw new CycleError({
      cycle,
      message: `fromSpec: entries depend on each other in a loop (${cycle.join(' -> ')}), so none of them can run first. Break the loop by removing one of these refs.`,
    })
  }
  const made = new Map<string, Delayed>()
  for (const key of topologicalOrder(dependents)) {
    const entry = spec[key]
    made.set(
      key,
      entry instanceof SpecTask
        ? makeSpecTask(
            entry.fn,
            entry.args.map((arg) => replaceRefs(arg, made)),
            key,
          )
        : makeData(entry, key, key, KeyKind.Explicit),
    )
  }
  return Object.fromEntries(made) as SpecResults<S>
}

/**
 * The task of a spec entry. A delayed function is called as itself under the entry's
 * key, so the task runs the function it wraps rather than recording a task whose result
 * would be another, never computed, `Delayed`.
 */
function makeSpecTask(fn: AnyFunction, args: unknown[], key: string): Delayed {
  if (isDelayedFunction(fn)) return fn.with({ key })(...args)
  return makeTask(fn, args, { name: fn.name || 'lambda', pure: false }, key)
}

function findRefs(value: unknown, found: string[]): void {
  if (value instanceof KeyRef) found.push(value.key)
  else if (Array.isArray(value)) for (const item of value) findRefs(item, found)
  else if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    for (const item of Object.values(value)) findRefs(item, found)
  }
}

function replaceRefs(value: unknown, made: Map<string, Delayed>): unknown {
  if (value instanceof KeyRef) return made.get(value.key)
  if (Array.isArray(value)) return value.map((item) => replaceRefs(item, made))
  if (typeof value === 'object' && value !== null && isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, item]) => [k, replaceRefs(item, made)]),
    )
  }
  return value
}

/**
 * Keys with every entry before those that depend on it (Kahn's algorithm, first come
 * first served, as graphology-dag's `topologicalSort` orders them), of a graph with no cycle.
 */
function topologicalOrder(dependents: ReadonlyMap<string, readonly string[]>): string[] {
  const waiting = new Map<string, number>()
  for (const feeds of dependents.values()) {
    for (const key of feeds) waiting.set(key, (waiting.get(key) ?? 0) + 1)
  }
  const order = [...dependents.keys()].filter((key) => !waiting.has(key))
  for (let i = 0; i < order.length; i++) {
    for (const key of dependents.get(order[i]!)!) {
      const left = waiting.get(key)! - 1
      waiting.set(key, left)
      if (left === 0) order.push(key)
    }
  }
  return order
}

/**
 * One cycle of a graph, as keys with the first repeated at the end, or `[]` if it has
 * none: this depth-first search (iterative, with the usual three colours) finds the first
 * back edge.
 */
function findCycle(dependents: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 1 | 2>() // 1: on the current path, 2: finished
  for (const start of dependents.keys()) {
    if (state.has(start)) continue
    const path: string[] = [start]
    const pending: string[][] = [[...dependents.get(start)!]]
    state.set(start, 1)
    while (path.length > 0) {
      const next = pending[pending.length - 1]!.pop()
      if (next === undefined) {
        state.set(path.pop()!, 2)
        pending.pop()
      } else if (state.get(next) === 1) {
        return [...path.slice(path.indexOf(next)), next]
      } else if (!state.has(next)) {
        state.set(next, 1)
        path.push(next)
        pending.push([...dependents.get(next)!])
      }
    }
  }
  return []
}
