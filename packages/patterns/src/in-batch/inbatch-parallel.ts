import { InvalidArgumentError, type AnyFunction } from '@taskgraph/core'
import {
  collectFirst,
  describeValue,
  isAsyncIterable,
  readGiven,
  recordOrigin,
} from '@taskgraph/core/internal'
import { CancelledError } from '@taskgraph/scheduler'
import { computeTargets } from '@taskgraph/scheduler/internal'
import { refuseFutures } from '../future-inputs.js'
import { checkPlainFunction } from '../plain-function.js'
import { argumentsOf, type CallArgsOf } from './call-args.js'
import { callResult, type CallResult } from './call-results.js'
import {
  checkInBatchOptions,
  runOptionsOf,
  withChanges,
  type Batch,
  type InBatchConfig,
  type InBatchRunOptions,
  type StandardInit,
} from './in-batch-options.js'
import { HOME, runCallTask, type Settled } from './run-call.js'

/** An in-batch function: runs its calls for a batch, then `post`. */
export interface InBatchFunction<A extends unknown[], Out> {
  (...args: A): Promise<Out>
  /**
   * The same function on another target or number of workers, for the calls made
   * through it (batchflow's `n_workers` per call).
   * @example await resize.with({ workers: 3 })(batch, 64)
   */
  with(options: InBatchRunOptions): InBatchFunction<A, Out>
}

/** The results `post` receives, in call order: each call's result or error. */
export type InBatchResults<R> = CallResult<Awaited<R>>[]

/**
 * Makes `fn`, a function of one item, run over a whole batch in parallel (batchflow's
 * `@inbatch_parallel`). `init` says what the calls are: one per element (`'items'`), per
 * position (`'indices'`), a single call (`'once'`), or the argument lists a function of
 * the batch returns. Each call is a task, run on `target`; a call that throws does not
 * stop the others. `post(results, batch, ...args)` then gets every result or error in
 * order and its return value is the call's; without `post`, the results are.
 * `init` and `post` run on the calling thread; `fn` on the target, so on a pool it must
 * be made in a module's top-level code (as this call usually is). A `signal`, usually
 * given per call with `.with({ signal })`, cancels calls with a `CancelledError`.
 *
 * @example
 * const normalize = inbatchParallel((image: Float64Array, scale: number) => ..., {
 *   init: 'items',
 *   target: 'threads',
 *   post: (results) => (anyFailed(results) ? undefined : results),
 * })
 * await normalize(images, 255) // normalize(image, 255) for each image, in parallel
 */
export function inbatchParallel<
  F extends AnyFunction,
  B,
  X extends unknown[],
  Out = InBatchResults<ReturnType<F>>,
>(
  fn: F,
  options: InBatchRunOptions & {
    init: (
      batch: B,
      ...args: X
    ) => readonly CallArgsOf<Parameters<F>>[] | PromiseLike<readonly CallArgsOf<Parameters<F>>[]>
    post?: (results: InBatchResults<ReturnType<F>>, batch: B, ...args: X) => Out
  },
): InBatchFunction<[batch: B, ...args: X], Awaited<Out>>
export function inbatchParallel<T, X extends unknown[], R, Out = InBatchResults<R>>(
  fn: (item: T, ...args: X) => R,
  options: InBatchRunOptions & {
    init: 'items'
    post?: (results: InBatchResults<R>, batch: Batch<T>, ...args: X) => Out
  },
): InBatchFunction<[batch: Batch<T>, ...args: X], Awaited<Out>>
export function inbatchParallel<
  X extends unknown[],
  R,
  B extends Batch = Batch,
  Out = InBatchResults<R>,
>(
  fn: (index: number, ...args: X) => R,
  options: InBatchRunOptions & {
    init: 'indices'
    post?: (results: InBatchResults<R>, batch: B, ...args: X) => Out
  },
): InBatchFunction<[batch: B, ...args: X], Awaited<Out>>
export function inbatchParallel<X extends unknown[], R, B = unknown, Out = InBatchResults<R>>(
  fn: (...args: X) => R,
  options: InBatchRunOptions & {
    init: 'once'
    post?: (results: InBatchResults<R>, batch: B, ...args: X) => Out
  },
): InBatchFunction<[batch: B, ...args: X], Awaited<Out>>
export function inbatchParallel(
  fn: AnyFunction,
  options: InBatchRunOptions & { init: StandardInit | AnyFunction; post?: AnyFunction },
): InBatchFunction<unknown[], unknown> {
  const caller = 'inbatchParallel'
  checkPlainFunction(caller, fn, 'for each call')
  const config = checkInBatchOptions(caller, options)
  // Made in a module's top-level code, `fn` is now found again by pool workers.
  recordOrigin(fn)
  return makeInBatchFunction(fn, config)
}

function makeInBatchFunction(
  fn: AnyFunction,
  config: InBatchConfig,
): InBatchFunction<unknown[], unknown> {
  const name = fn.name || 'lambda'
  const call = async (batch: unknown, ...args: unknown[]): Promise<unknown> => {
    const { signal } = config
    // Aborted already: nothing runs, not even init, as a run cancelled before it began.
    if (signal?.aborted) throw new CancelledError({ caller: name, reason: signal.reason })
    const lists = await argumentLists(name, config.init, batch, args)
    lists.forEach((list, i) => refuseFutures(name, `the arguments of call ${i} hold`, list))
    const task = runCallTask.with({ name })
    const calls = lists.map((list, i) => task(fn, list, HOME, i))
    const [settled = []] =
      calls.length === 0 ? [] : await computeTargets(name, [calls], runOptionsOf(config))
    const results = (settled as Settled[]).map((outcome, i) =>
      callResult(outcome, calls[i]!.key, name, name),
    )
    return config.post === undefined
      ? results
      : ((await config.post(results, batch, ...args)) as unknown)
  }
  Object.defineProperty(call, 'name', { value: name })
  return Object.assign(call, {
    with: (changes: InBatchRunOptions) =>
      makeInBatchFunction(fn, withChanges(`${name}.with`, config, changes)),
  })
}

/** The argument list of each call, from the init and the call's own arguments. */
async function argumentLists(
  caller: string,
  init: StandardInit | AnyFunction,
  batch: unknown,
  args: unknown[],
): Promise<unknown[][]> {
  switch (init) {
    case 'once':
      return [args]
    case 'items':
      return itemsOf(caller, batch).map((item) => [item, ...args])
    case 'indices':
      return Array.from({ length: lengthOf(caller, batch) }, (_, index) => [index, ...args])
    default: {
      const given: unknown = await init(batch, ...args)
      if (!Array.isArray(given)) {
        throw new InvalidArgumentError({
          message: `${caller}: init must return an array with each call's arguments, got ${describeValue(given)}.`,
        })
      }
      // Array.from visits holes too: a sparse array's missing entries are refused, not skipped.
      return Array.from(given as unknown[], (entry, index) => argumentsOf(caller, entry, index))
    }
  }
}

// The batch is read (iterated, its length and items read) through readGiven: what its
// generator, iterator or getters throw is the caller's InvalidArgumentError.

function itemsOf(caller: string, batch: unknown): unknown[] {
  refuseString(caller, batch)
  // A sparse array's holes are items too (undefined), as for...of sees them: one call each.
  const iterated = iterate(caller, batch)
  if (iterated !== undefined) return iterated
  const length = lengthField(caller, batch)
  if (length === undefined) return throwNotABatch(caller, batch)
  const count = checkedLength(caller, length)
  const items = batch as ArrayLike<unknown>
  return readGiven(caller, 'the batch', () => Array.from({ length: count }, (_, i) => items[i]))
}

function lengthOf(caller: string, batch: unknown): number {
  refuseString(caller, batch)
  const length = lengthField(caller, batch)
  if (isLength(length)) return checkedLength(caller, length)
  const iterated = iterate(caller, batch)
  if (iterated !== undefined) return iterated.length
  return length === undefined ? throwNotABatch(caller, batch) : checkedLength(caller, length)
}

/**
 * A string is iterable, but almost always one item meant as a batch of them: refused, as
 * parallelMap and bag.from refuse one as their items.
 */
function refuseString(caller: string, batch: unknown): void {
  if (typeof batch !== 'string') return
  throw new InvalidArgumentError({
    message:
      `${caller}: the batch is ${describeValue(batch)}, which init 'items' or 'indices' would go through character by character. ` +
      'Pass the items in an array: [text] for one string, or [...text] for its characters.',
  })
}

/** The batch's items if it is iterable. */
function iterate(caller: string, batch: unknown): unknown[] | undefined {
  return readGiven(caller, 'the batch', () => (isIterable(batch) ? Array.from(batch) : undefined))
}

/** The batch's `length`, read once; `undefined` for a batch that is not an object. */
function lengthField(caller: string, batch: unknown): unknown {
  if (typeof batch !== 'object' || batch === null) return undefined
  return readGiven(caller, 'the batch', () => (batch as { length?: unknown }).length)
}

/** The longest array JavaScript can make: one call per position must fit in one. */
const MAX_BATCH_LENGTH = 2 ** 32 - 1

/** An array-like batch's length, checked: a whole number of positions that an array can hold. */
function checkedLength(caller: string, length: unknown): number {
  if (!isLength(length)) {
    throw new InvalidArgumentError({
      message:
        `${caller}: the batch is not iterable, and its length is ${describeValue(length)}, not a whole number of items (0 or more), ` +
        `so init 'items' or 'indices' cannot go through it. ` +
        'Give an array, a typed array, another iterable, or an array-like whose length is its number of items.',
    })
  }
  if (length <= MAX_BATCH_LENGTH) return length
  throw new InvalidArgumentError({
    message:
      `${caller}: the batch has length ${length}, more than an array can hold (${MAX_BATCH_LENGTH}), ` +
      `so init 'items' or 'indices' cannot make one call per position. ` +
      'Give a batch with a smaller length, or split it and call once per part.',
  })
}

function isLength(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  )
}

function throwNotABatch(caller: string, batch: unknown): never {
  // Its items come one await at a time, where the calls are made at once.
  if (isAsyncIterable(batch)) {
    throw new InvalidArgumentError({
      message: `${caller}: the batch is an async iterable, which init 'items' or 'indices' cannot go through. ${collectFirst('batch')}`,
    })
  }
  throw new InvalidArgumentError({
    message:
      `${caller}: the batch must be an array, a typed array or another iterable for init 'items' or 'indices', got ${describeValue(batch)}. ` +
      'Use init "once" or a function for other batches.',
  })
}
