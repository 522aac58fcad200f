import { InvalidArgumentError } from '@taskgraph/core'
import {
  collectFirst,
  describeValue,
  isAsyncIterable,
  isFutureBranded,
  readGiven,
} from '@taskgraph/core/internal'

/** Where a future is: running (or waiting for its inputs), or settled one of three ways. */
export type FutureStatus = 'pending' | 'finished' | 'error' | 'cancelled'

// One brand for every copy of taskgraph in the process, as for lazy values: a future made
// by one copy is an argument another copy's `submit` recognises.
const FUTURE = Symbol.for('taskgraph.future')

/**
 * Work started at once by `submit` (Dask's `Future`): a task whose result arrives later.
 * Await it (it is a thenable), pass it to other submits (they wait for it, and fail as it
 * fails), gather many with `asCompleted` and `wait`, or `cancel()` it.
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** The key of its task, as hooks, errors and traces name it. */
  readonly key: string
  readonly [FUTURE] = true
  #status: FutureStatus = 'pending'
  readonly #result: Promise<T>
  readonly #controller: AbortController

  /** @internal made by `submit`: `start` begins the work, with a signal that `cancel()` aborts. */
  constructor(key: string, start: (signal: AbortSignal) => Promise<T>) {
    this.key = key
    this.#controller = new AbortController()
    this.#result = start(this.#controller.signal)
    // Marks the result handled too: a future nobody awaits fails quietly, as Dask's do.
    void this.#result.then(
      () => {
        this.#status = 'finished'
      },
      (error: unknown) => {
        this.#status = isCancellation(error) ? 'cancelled' : 'error'
      },
    )
  }

  get status(): FutureStatus {
    return this.#status
  }

  /** Whether it has settled (finished, failed or was cancelled). */
  get done(): boolean {
    return this.#status !== 'pending'
  }

  /** Its result; rejects with its task's error (a `TaskError`), or a `CancelledError`. */
  result(): Promise<T> {
    return this.#result
  }

  then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.#result.then(onFulfilled, onRejected)
  }

  /**
   * Stops its work, unless it has settled: its result rejects with a `CancelledError`,
   * and so do the futures waiting for it. Futures it waits for go on: others may need them.
   */
  cancel(reason: unknown = 'Future#cancel()'): void {
    if (this.#status === 'pending') this.#controller.abort(reason)
  }

  toString(): string {
    return `Future(${this.key}, ${this.#status})`
  }
}

/** Whether `value` is a future, made by any copy of taskgraph. */
export function isFuture(value: unknown): value is Future {
  return isFutureBranded(value)
}

/**
 * `futures` as an array, checked: `caller` takes an iterable of futures only.
 * @throws {InvalidArgumentError} for anything else, or an iterator that throws
 */
export function futuresOf<T>(caller: string, futures: Iterable<Future<T>>): Future<T>[] {
  if (typeof (futures as Partial<Iterable<unknown>> | null)?.[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError({
      message: isAsyncIterable(futures)
        ? `${caller}: expects an iterable of futures (an array, a Set), got an async iterable. ${collectFirst('futures')}`
        : `${caller}: expects an iterable of futures (an array, a Set), got ${describeValue(futures)}.`,
    })
  }
  const all = readGiven(caller, 'the futures', () => [...futures])
  for (const future of all) {
    if (!isFuture(future)) {
      throw new InvalidArgumentError({
        message: `${caller}: expects futures (from submit or Client#map), got ${describeValue(future)}. Submit the work, or leave plain values out.`,
      })
    }
  }
  return all
}

function isCancellation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_CANCELLED'
}
