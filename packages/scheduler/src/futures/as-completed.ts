import { futuresOf, type Future } from './future.js'

/**
 * The futures given, handed back one by one as each settles (Dask's `as_completed`): to
 * show results as they come, or to start new work as old work ends. More futures may be
 * `add`ed while iterating; iteration ends once every future added has been handed back.
 * A failed or cancelled future is handed back too: awaiting it throws its error.
 * @example
 * const done = asCompleted(futures)
 * for await (const future of done) {
 *   console.log(future.key, await future)
 *   if (more()) done.add(client.submit(work, next()))
 * }
 */
export class AsCompleted<T = unknown> implements AsyncIterable<Future<T>> {
  /** Settled futures not yet handed back, in the order they settled. */
  readonly #ready: Future<T>[] = []
  /** Futures added and not yet handed back. */
  #waiting = 0
  /** Iterations waiting for a future to settle. */
  readonly #wakers: (() => void)[] = []

  constructor(futures: Iterable<Future<T>> = []) {
    for (const future of futuresOf('asCompleted', futures)) this.add(future)
  }

  /** Adds a future to hand back once it settles. */
  add(future: Future<T>): void {
    futuresOf('asCompleted: add()', [future])
    this.#waiting++
    const settle = (): void => {
      this.#ready.push(future)
      for (const wake of this.#wakers.splice(0)) wake()
    }
    future.then(settle, settle)
  }

  /** Futures added and not yet handed back. */
  get count(): number {
    return this.#waiting
  }

  // Not an async generator: `yield` awaits a thenable, and would hand back a future's
  // result (or throw its error) instead of the future.
  [Symbol.asyncIterator](): AsyncIterator<Future<T>> {
    return { next: () => this.#next() }
  }

  async #next(): Promise<IteratorResult<Future<T>, undefined>> {
    while (this.#ready.length === 0) {
      if (this.#waiting === 0) return { done: true, value: undefined }
      await new Promise<void>((resolve) => this.#wakers.push(resolve))
    }
    this.#waiting--
    return { done: false, value: this.#ready.shift()! }
  }
}

/** Iterates over `futures` in the order they settle (see `AsCompleted`). */
export function asCompleted<T>(futures?: Iterable<Future<T>>): AsCompleted<T>
// Futures of different result types: one type parameter for all of them would be
// inferred from the first alone, and refuse the others.
export function asCompleted<F extends Future>(
  futures: Iterable<F>,
): AsCompleted<F extends Future<infer T> ? T : never>
export function asCompleted<T>(futures: Iterable<Future<T>> = []): AsCompleted<T> {
  return new AsCompleted(futures)
}
