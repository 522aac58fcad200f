import { futuresOf, type Future } from './future.js'

// The class behind `AsCompleted`, exported under that name with the constructor typed as
// `asCompleted` is: a class's own type parameter, inferred from futures of different
// result types, would be the first one's alone, and refuse the others.
class FuturesAsCompleted<T> implements AsyncIterable<Future<T>> {
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
export type AsCompleted<T = unknown> = FuturesAsCompleted<T>

/** The result type of a future, or of each future of a union of them. */
type ResultOf<F> = F extends Future<infer T> ? T : never

// The name its instances go by in messages and the console.
Object.defineProperty(FuturesAsCompleted, 'name', { value: 'AsCompleted' })

/** `new AsCompleted(futures)`: the same as `asCompleted(futures)`. */
export const AsCompleted: {
  new <T = unknown>(futures?: Iterable<Future<T>>): AsCompleted<T>
  /** Futures of different result types: it hands back futures of any of them. */
  new <F extends Future>(futures: Iterable<F>): AsCompleted<ResultOf<F>>
  readonly prototype: AsCompleted
} = FuturesAsCompleted

/** Iterates over `futures` in the order they settle (see `AsCompleted`). */
export function asCompleted<T>(futures?: Iterable<Future<T>>): AsCompleted<T>
export function asCompleted<F extends Future>(futures: Iterable<F>): AsCompleted<ResultOf<F>>
export function asCompleted<T>(futures: Iterable<Future<T>> = []): AsCompleted<T> {
  return new AsCompleted(futures)
}
