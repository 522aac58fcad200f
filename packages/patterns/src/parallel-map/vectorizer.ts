import { type AnyFunction, type Delayed } from '@taskgraph/core'
import { checkOptionNames, recordOrigin } from '@taskgraph/core/internal'
import type { NotAString } from '@taskgraph/core/internal'
import { mapGraph, runMap } from './map-graph.js'
import {
  checkMapFunction,
  checkMapOptions,
  RUN_OPTION_NAMES,
  toItems,
  type MapConfig,
  type MapRunOptions,
  type ParallelMapOptions,
  type WorkerInit,
} from './map-options.js'

/**
 * A function run over many items in parallel, in place of a for loop (PyBlaze's
 * `Vectorizer`). The items are split into chunks, one task each, and the results come
 * back in input order. Make it in a module's top-level code, so pool workers can find
 * `fn` and `init` by importing that module.
 *
 * @example
 * const tokenizer = new Vectorizer(tokenize, { workers: 4 })
 * await tokenizer.process(texts) // string[][], in the order of texts
 * export default tokenizer.map(texts) // the same as a Delayed, for a workflow
 */
export class Vectorizer<T, R, S = undefined> {
  /** The function run on each item. */
  readonly fn: (item: T, state: S) => R | PromiseLike<R>
  private readonly config: MapConfig

  constructor(
    fn: (item: T, state: S) => R | PromiseLike<R>,
    options: ParallelMapOptions & WorkerInit<S>,
  )
  constructor(fn: (item: T) => R | PromiseLike<R>, options?: ParallelMapOptions)
  constructor(fn: AnyFunction, options: ParallelMapOptions = {}) {
    this.fn = checkMapFunction('new Vectorizer', fn)
    this.config = checkMapOptions('new Vectorizer', options)
    // Made in a module's top-level code, these are now found again by its workers.
    recordOrigin(fn)
    if (this.config.init !== undefined) recordOrigin(this.config.init)
  }

  /**
   * Runs `fn` over `items` now and resolves with the results in input order. Rejects with
   * the first failure, a `MapItemError` (a `TaskError`) naming the item's `index`, whose
   * `cause` is what `fn` threw, or with a `CancelledError` once `signal` aborts.
   */
  async process(items: Iterable<T> & NotAString, options: MapRunOptions = {}): Promise<R[]> {
    const caller = 'Vectorizer#process'
    checkOptionNames(caller, options, RUN_OPTION_NAMES)
    const list = toItems(caller, items)
    return (await runMap(caller, this.fn, list, this.config, options)) as R[]
  }

  /**
   * The same work as a lazy value, for graphs and workflows: a task per chunk and one
   * joining them. The `compute` that runs it chooses the executor; chunks are sized for
   * this vectorizer's `executor` and `workers`. Items may be `Delayed` values. An item's
   * failure fails the run with a `MapItemError` naming its `index`, as `process` does.
   */
  map(items: Iterable<T | Delayed<T>> & NotAString): Delayed<R[]> {
    return mapGraph(this.fn, toItems('Vectorizer#map', items), this.config) as Delayed<R[]>
  }
}

/**
 * Runs `fn` on every item in parallel and resolves with the results in input order: a
 * for loop (`for (const item of items) results.push(fn(item))`) spread over workers.
 * `fn` must be reachable from workers: made or passed to `new Vectorizer`, `delayed` or
 * `inbatchParallel` in a module's top-level code, or exported by such a module. An item's
 * failure rejects with a `MapItemError` naming its `index`, as `Vectorizer#process` does.
 *
 * @example
 * const tokens = await parallelMap(tokenize, texts, { workers: 4 })
 * const scores = await parallelMap(score, rows, { init: loadModel }) // score(row, model)
 */
export function parallelMap<T, R, S>(
  fn: (item: T, state: S) => R | PromiseLike<R>,
  items: Iterable<T> & NotAString,
  options: ParallelMapOptions & MapRunOptions & WorkerInit<S>,
): Promise<R[]>
export function parallelMap<T, R>(
  fn: (item: T) => R | PromiseLike<R>,
  items: Iterable<T> & NotAString,
  options?: ParallelMapOptions & MapRunOptions,
): Promise<R[]>
export async function parallelMap(
  fn: AnyFunction,
  items: Iterable<unknown>,
  options: ParallelMapOptions & MapRunOptions = {},
): Promise<unknown[]> {
  const caller = 'parallelMap'
  recordOrigin(checkMapFunction(caller, fn))
  const config = checkMapOptions(caller, options, RUN_OPTION_NAMES)
  if (config.init !== undefined) recordOrigin(config.init)
  return runMap(caller, fn, toItems(caller, items), config, options)
}
