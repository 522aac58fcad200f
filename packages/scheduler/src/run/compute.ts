import { InvalidArgumentError, isDelayed, type Computed } from '@taskgraph/core'
import { type Delayed } from '@taskgraph/core/internal'
import {
  TaskGraph,
  containsDelayed,
  describeValue,
  isThenable,
  registerScheduler,
} from '@taskgraph/core/internal'
import type { Executor } from '../executors/executor.js'
import { resolveOptions, type RunOptions } from './options.js'
import type { TaskInfo } from './hooks.js'
import { runGraph } from './run-graph.js'

/**
 * Computes several lazy values in one run: their graphs are merged, so tasks they share
 * run once. Arguments may be `Delayed` values or arrays and plain objects holding them;
 * each is returned with every `Delayed` replaced by its result. A plain object without
 * any `Delayed` in last position is the options.
 *
 * @example
 * const [a2, total5] = await compute(a, total, { executor: 'async' })
 */
// The options' own type, not `RunOptions`: overloads are first tried for a subtype match,
// and an executor instance without every optional member of `Executor` is none, which
// gave the next overload the options as a target (and a result).
// A name `RunOptions` does not have is a compile error, as at run time: the generic `O`
// is not checked for excess properties by itself. Targets alone must not end in what
// the call takes as options (a plain object holding no `Delayed`), or a misspelt option
// passed through that overload as a target, typed as its own result.
export function compute<const T extends readonly unknown[], O extends OptionsOfCompute>(
  ...args: [...targets: T, options: O & NoUnknownOptions<O>]
): Promise<Computed<T>>
export function compute<const T extends readonly unknown[]>(
  ...targets: TakenAsOptions<T> extends true ? never : T
): Promise<Computed<T>>
export function compute(...args: unknown[]): Promise<unknown[]> {
  const last = args[args.length - 1]
  // A target without any Delayed in it would compute to itself: a trailing plain object
  // of that kind is taken as options, so a misspelt option is reported, not returned.
  const hasOptions =
    typeof last === 'object' && last !== null && isObjectLiteral(last) && !containsDelayed(last)
  const targets = hasOptions ? args.slice(0, -1) : args
  // A plain value computes to itself, as in Dask; a promise so returned would be one not
  // awaited (a call's `await` forgotten), and its rejection would go unhandled.
  const promised = targets.findIndex((target) => !isDelayed(target) && isThenable(target))
  if (promised !== -1) {
    // Its own rejection is told by this error, not as an unhandled one that ends the process.
    const promise = targets[promised]
    if (promise instanceof Promise) promise.catch(() => {})
    return Promise.reject(
      new InvalidArgumentError({
        message: `compute: target ${promised} is a promise (${describeValue(targets[promised])}, which has a then method), not a lazy value: compute runs graphs of Delayed values. Await it first, or make its work a task: delayed(async () => ...)().`,
      }),
    )
  }
  return computeTargets('compute', targets, hasOptions ? last : undefined)
}

/**
 * What `compute` takes as options: `RunOptions`, or the same with an executor typed by its
 * required members alone. Options holding a callback (hooks written in place) are not
 * inferred as their own type but checked against this one, in the subtype match first:
 * there an instance of a class leaving out optional members of `Executor` (every one of
 * taskgraph's) matches only the second, and without it the options fell to the next
 * overload as a target, their callbacks' parameters untyped.
 */
type OptionsOfCompute =
  | RunOptions
  | (Omit<RunOptions, 'executor'> & {
      executor?: Pick<Executor, 'name' | 'concurrency' | 'run'>
    })

/**
 * Names given in `O` that options do not have: each must be `never`, so none may be. Only
 * names an object literal gives: a variable of a wider type (options of another call)
 * may leave its own out.
 */
type NoUnknownOptions<O> = { [K in Exclude<GivenKeys<O>, keyof RunOptions>]: never }

/** The names `O` must have (what an object literal gave). */
type GivenKeys<O> = { [K in keyof O]-?: object extends Pick<O, K> ? never : K }[keyof O]

/**
 * Whether the last of `T` is what `compute` takes as its options: an object, not an
 * array, a function or a `Delayed`, holding no `Delayed`.
 */
type TakenAsOptions<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L]
  ? L extends readonly unknown[] | AnyFunction | Delayed<unknown>
    ? false
    : L extends object
      ? HoldsDelayed<L> extends true
        ? false
        : true
      : false
  : false

/** Whether `V` may hold a `Delayed`, looked for 6 levels down (deeper: it may). */
type HoldsDelayed<V, Depth extends unknown[] = []> = Depth['length'] extends 6
  ? true
  : V extends Delayed<unknown>
    ? true
    : V extends AnyFunction
      ? false
      : V extends readonly unknown[]
        ? true extends HoldsDelayed<V[number], [...Depth, 0]>
          ? true
          : false
        : V extends object
          ? true extends { [K in keyof V]-?: HoldsDelayed<V[K], [...Depth, 0]> }[keyof V]
            ? true
            : false
          : false

type AnyFunction = (...args: never[]) => unknown

/** Whether `value` is made by `{}`; a revoked Proxy, whose prototype cannot be read, is not. */
function isObjectLiteral(value: object): boolean {
  try {
    return Object.getPrototypeOf(value) === Object.prototype
  } catch {
    return false
  }
}

/**
 * Computes `targets` now and returns them with every `Delayed` replaced by a `Delayed`
 * backed by its computed value (Dask's `persist`).
 */
export async function persist<T>(target: Delayed<T>, options?: RunOptions): Promise<Delayed<T>> {
  if (!isDelayed(target)) {
    throw new InvalidArgumentError({
      message: `persist: expects one lazy value (a Delayed, a Bag), got ${describeValue(target)}. Persist each lazy value on its own, or compute plain values with compute.`,
    })
  }
  return target.persist(options)
}

/** Computes `targets` for `caller`, whose name the run's errors carry (e.g. `parallelMap`). */
export async function computeTargets(
  caller: string,
  targets: readonly unknown[],
  options: RunOptions | undefined,
): Promise<unknown[]> {
  const config = resolveOptions(caller, options)
  try {
    const graph = TaskGraph.collect(caller, targets)
    if (config.cache === undefined) return await runGraph(graph, config, caller)
    const session = await config.cache.open(graph)
    try {
      if (session.known.size === 0)
        return await runGraph(graph, config, caller, { session, opened: graph, hits: [] })
      // The graph again, each known result as data: what only they needed is left out.
      const hits = knownTasks(graph, session.known)
      return await runGraph(TaskGraph.collect(caller, targets, session.known), config, caller, {
        session,
        opened: graph,
        hits,
      })
    } finally {
      await session.close()
    }
  } finally {
    if (config.ownsExecutor) await config.executor.close?.()
  }
}

/** The tasks of `graph` whose results are `known`. */
function knownTasks(graph: TaskGraph, known: ReadonlyMap<string, unknown>): TaskInfo[] {
  const tasks: TaskInfo[] = []
  for (let i = 0; i < graph.size; i++) {
    const key = graph.key(i)
    if (graph.fn(i) !== undefined && known.has(key)) tasks.push({ key, name: graph.name(i) })
  }
  return tasks
}

registerScheduler({ compute: computeTargets })
