import { delayed, isDelayed, isDelayedFunction } from '@taskgraph/core'
import type { AnyFunction, Computed, Delayed, DelayedFunction } from '@taskgraph/core'
import { InvalidArgumentError } from '@taskgraph/core'
import {
  collectFirst,
  describeValue,
  isAsyncIterable,
  readGiven,
  uncallableKind,
} from '@taskgraph/core/internal'
import type {
  NotAString,
  OverloadedParameters,
  OverloadedReturnType,
} from '@taskgraph/core/internal'
import { CancelledError } from '../errors.js'
import { AsyncExecutor } from '../executors/async-executor.js'
import { computeTargets } from '../run/compute.js'
import { resolveOptions, type RunOptions } from '../run/options.js'
import { replaceMembers } from '../wire/replace-members.js'
import { walkData } from '../wire/data-walk.js'
import { Future, isFuture } from './future.js'

/**
 * An argument of `submit`: a value, a `Delayed` (computed with the task), a future, or
 * (for arrays and plain objects) a structure holding any of those, at any depth.
 */
export type FutureArg<T> = T | Delayed<T> | Future<T> | FutureMembers<T>

type FutureMembers<T> =
  T extends Delayed<unknown>
    ? never
    : T extends AnyFunction
      ? never
      : T extends object
        ? { [K in keyof T]: FutureArg<T[K]> }
        : never
export type FutureArgs<P extends readonly unknown[]> = { [K in keyof P]: FutureArg<P[K]> }

/** What `submit` takes: a function, or a delayed function (its options apply). */
type Submittable<F extends AnyFunction> = F | DelayedFunction<F>

/**
 * A delayed function `Client#map` takes. Its parameter is `any`, not `never`: against
 * `never`, a `delayed(fn)` call written in the arguments takes its type from this
 * constraint instead of from `fn`, and no item fits.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OneArgument = (item: any) => unknown

/**
 * What the future of `fn` resolves to: its result, awaited; a graph it returns stands for
 * that graph's result, as for a delayed function's call. An overloaded `fn` takes the
 * arguments of any overload (`Parameters` sees only the last one's): its result is any
 * overload's.
 */
export type SubmitResult<F extends AnyFunction> = Computed<Awaited<OverloadedReturnType<F>>>

/** The call a client is made by, as its errors name it (see `clientMadeBy`). */
let maker = 'new Client'

/**
 * A client with the default run options, made for `caller`: a bad `TASKGRAPH_*` variable
 * is then `caller`'s error (`submit: environment variable ...`), not that of a
 * `new Client` the user never wrote.
 */
export function clientMadeBy(caller: string): Client {
  maker = caller
  try {
    return new Client()
  } finally {
    maker = 'new Client'
  }
}

/**
 * Starts work now and hands back futures (Dask's `Client`): each `submit` is a run of its
 * own on the client's executor, with the client's run options (`retries`, `timeout`,
 * `hooks`, `failFast`…). An executor named by string is the one `compute` uses for that
 * name: for `'async'`, one made by the client, which every submit shares (at most
 * `concurrency` tasks of all its futures run at once); for `'threads'` and
 * `'processes'`, the process's default pool, which every submit shares.
 * @example
 * const client = new Client({ executor: pool })
 * const futures = client.map(score, files)
 * for await (const done of asCompleted(futures)) console.log(done.key, await done)
 */
export class Client {
  readonly #options: RunOptions

  constructor(options: RunOptions = {}) {
    // Checked now, so a wrong option is the constructor's error, not every future's.
    const checked = resolveOptions(maker, options)
    if (checked.executor instanceof AsyncExecutor && checked.ownsExecutor) {
      // One for every submit, so that `concurrency` bounds the client's futures together
      // (as a pool's workers do), not each future's run alone.
      this.#options = { ...options, concurrency: undefined, executor: checked.executor }
      return
    }
    if (checked.ownsExecutor) void checked.executor.close?.()
    this.#options = options
  }

  /**
   * Calls `fn(...args)` now, on the client's executor, and returns its future at once.
   * Futures among the arguments (also inside arrays and plain objects) are waited for
   * and stand for their results; if one fails, so does this one, with its error.
   */
  submit<F extends AnyFunction>(
    fn: DelayedFunction<F>,
    ...args: FutureArgs<OverloadedParameters<F>>
  ): Future<SubmitResult<F>>
  submit<F extends AnyFunction>(
    fn: F,
    ...args: FutureArgs<OverloadedParameters<F>>
  ): Future<SubmitResult<F>>
  submit<F extends AnyFunction>(
    fn: Submittable<F>,
    ...args: FutureArgs<OverloadedParameters<F>>
  ): Future<SubmitResult<F>> {
    const task = taskFunction('submit', fn) as DelayedFunction<AnyFunction>
    const { key, run } = this.#prepare('submit', 'the arguments', task, args)
    return new Future(key, run) as Future<SubmitResult<F>>
  }

  /** `submit(fn, item)` for each item: one future per item, in order. */
  map<F extends OneArgument>(
    fn: DelayedFunction<F>,
    items: Iterable<FutureArg<OverloadedParameters<F>[0]>> & NotAString,
  ): Future<SubmitResult<F>>[]
  map<F extends (item: never) => unknown>(
    fn: F,
    items: Iterable<FutureArg<OverloadedParameters<F>[0]>> & NotAString,
  ): Future<SubmitResult<F>>[]
  map<F extends (item: never) => unknown>(
    fn: Submittable<F>,
    items: Iterable<FutureArg<OverloadedParameters<F>[0]>> & NotAString,
  ): Future<SubmitResult<F>>[] {
    const task = taskFunction('map', fn) as DelayedFunction<AnyFunction>
    // Iterable, but almost always one item meant as a list of them: refused, as bag.from does.
    if (typeof items === 'string') {
      throw new InvalidArgumentError({
        message:
          `map: expected an iterable of items, got ${describeValue(items)}. ` +
          'Wrap one string in an array, map(fn, [text]), or spread it, map(fn, [...text]), for its characters.',
      })
    }
    // `Array.from` would take a number or an array-like object as no items, or as holes.
    if (typeof (items as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
      if (isAsyncIterable(items)) {
        throw new InvalidArgumentError({
          message: `map: expects an iterable of items, got an async iterable, which map does not take. ${collectFirst('items')}`,
        })
      }
      throw new InvalidArgumentError({
        message: `map: expects an iterable of items (an array, a Set, a generator), got ${describeValue(items)}. Pass the items as an array: map(fn, [a, b]), or submit(fn, item) for one.`,
      })
    }
    // Every item read before the first submit: an iterator that throws part way would
    // leave the futures of the items before it running, with no handle to them.
    const list = readGiven('map', 'the items', () => Array.from(items))
    // Every call recorded before the first starts, for the same reason: an item a call
    // refuses (a Delayed inside a cycle) throws with no future running.
    const calls = list.map((item) => this.#prepare('map', 'the items', task, [item]))
    return calls.map(({ key, run }) => new Future(key, run)) as Future<SubmitResult<F>>[]
  }

  /**
   * What a submit runs, made without starting it: the task is recorded now (what its
   * call refuses is thrown here), unless futures among `args` must have results first.
   * `caller` and `what` (`the items`) name them in the error of reading them.
   */
  #prepare(
    caller: string,
    what: string,
    task: DelayedFunction<AnyFunction>,
    args: readonly unknown[],
  ): PreparedSubmit {
    // Looking for futures reads the arguments' arrays and plain objects: a Proxy's trap
    // or a getter that throws there is the caller's InvalidArgumentError, not a raw error.
    if (!readGiven(caller, what, () => args.some(holdsFuture))) {
      const target = task(...args)
      return { key: target.key, run: (signal) => this.#run(target, this.#signalWith(signal)) }
    }
    // Its key is fixed now; its task is made once the futures it waits for have results.
    // Named as the task's own key would be: its name, or 'lambda' for an anonymous function.
    const key = `${task.options.name ?? (task.fn.name || 'lambda')}-${randomSuffix()}`
    const keyed = task.with({ key })
    return {
      key,
      run: async (signal) => {
        // The client's signal, too, while its futures wait for the futures they are given.
        const either = this.#signalWith(signal)
        return this.#run(keyed(...(await resultsOf(args, either))), either)
      },
    }
  }

  /** What cancels a future: its own `signal`, or the client's (the `signal` option). */
  #signalWith(signal: AbortSignal): AbortSignal {
    const own = this.#options.signal
    return own === undefined ? signal : AbortSignal.any([own, signal])
  }

  async #run(target: Delayed<unknown>, signal: AbortSignal): Promise<unknown> {
    const [result] = await computeTargets('submit', [target], { ...this.#options, signal })
    return result
  }
}

/** A submit whose future has not started: its key, and the work the future runs. */
interface PreparedSubmit {
  readonly key: string
  readonly run: (signal: AbortSignal) => Promise<unknown>
}

const delayedOf = new WeakMap<AnyFunction, DelayedFunction<AnyFunction>>()

/** `fn` as a delayed function: one per function, so its tasks share a name and an origin. */
function taskFunction<F extends AnyFunction>(
  caller: string,
  fn: Submittable<F>,
): DelayedFunction<F> {
  if (isDelayedFunction(fn)) return fn
  if (typeof fn !== 'function') {
    throw new InvalidArgumentError({
      message: `${caller}: the first argument must be a function or a delayed function, got ${typeof fn}. Pass the function itself: ${caller}(fn, ...args).`,
    })
  }
  let task = delayedOf.get(fn)
  if (task === undefined) {
    refuseUncallable(caller, fn)
    delayedOf.set(fn, (task = delayed(fn)))
  }
  return task as DelayedFunction<F>
}

/**
 * Refuses a class or a generator function, whose call gives nothing to wait for (the task
 * would fail, or finish with an iterator): once per function, as its source is read.
 */
function refuseUncallable(caller: string, fn: AnyFunction): void {
  const kind = uncallableKind(fn)
  if (kind !== undefined) {
    const name = fn.name || 'anonymous'
    throw new InvalidArgumentError({
      message:
        kind === 'a class'
          ? `${caller}: the function is a class (${name}), which cannot be called without new. Submit a function that makes the instance instead: ${caller}((...args) => new ${name}(...args), ...args).`
          : `${caller}: the function is ${kind} (${name}), whose call gives an iterator, not a result. Submit a function that collects its items into an array instead.`,
    })
  }
}

function holdsFuture(value: unknown): boolean {
  if (isFuture(value)) return true
  if (typeof value !== 'object' || value === null || isDelayed(value)) return false
  let found = false
  walkData(value, (item) => {
    if (isFuture(item)) {
      found = true
      return 'stop'
    }
    return isDelayed(item) ? 'skip' : undefined
  })
  return found
}

/** `args` with each future replaced by its result, once all have one; or the first failure. */
async function resultsOf(args: readonly unknown[], signal: AbortSignal): Promise<unknown[]> {
  const futures = new Set<Future>()
  walkData(args, (item) => {
    if (isFuture(item)) {
      futures.add(item)
      return 'skip'
    }
    return isDelayed(item) ? 'skip' : undefined
  })
  const results = new Map<Future, unknown>()
  const waited = Promise.all(
    [...futures].map(async (future) => results.set(future, await future.result())),
  )
  await unlessAborted(waited, signal)
  return replaceMembers(args, isFuture, (future) => results.get(future as Future)) as unknown[]
}

/**
 * `waited`, or a `CancelledError` once `signal` aborts, as a run cancelled then would. Its
 * listener goes once `waited` settles: a client's signal outlives its many futures.
 */
function unlessAborted(waited: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (): void => reject(new CancelledError({ caller: 'submit', reason: signal.reason }))
    // Settled either way (a failure after the abort is not left unhandled).
    waited.finally(() => signal.removeEventListener('abort', fail)).then(() => resolve(), reject)
    if (signal.aborted) fail()
    else signal.addEventListener('abort', fail, { once: true })
  })
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10)
}
