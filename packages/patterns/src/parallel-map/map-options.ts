import { InvalidArgumentError, InvalidOptionError, type AnyFunction } from '@taskgraph/core'
import {
  checkOptionNames,
  collectFirst,
  describeValue,
  isAsyncIterable,
  readGiven,
} from '@taskgraph/core/internal'
import type { Executor, ExecutorName } from '@taskgraph/scheduler'
import { defaultWorkers } from '@taskgraph/scheduler/internal'
import { refuseFutures } from '../future-inputs.js'
import { checkPlacement } from '../placement.js'
import { checkPlainFunction } from '../plain-function.js'

/** Options of `parallelMap` and `new Vectorizer`; `init` comes with `WorkerInit`. */
export interface ParallelMapOptions {
  /**
   * Where the items run: `'threads'` and `'processes'` in parallel on the kind's default
   * pool (kept for the program, its workers started by the first call that needs them),
   * `'inline'` and `'async'` on the calling thread, or an `Executor` you own.
   * `Vectorizer#map` leaves this to the `compute` that runs its graph.
   * @default 'threads'
   */
  executor?: ExecutorName | Executor
  /**
   * Workers of the `'threads'` and `'processes'` pool, 1 to 256.
   * @default os.availableParallelism()
   */
  workers?: number
  /**
   * Items per task. Each chunk runs as one task, its items one after another in one
   * worker, so chunks trade the cost of a round trip against an even spread.
   * @default the items split evenly into 4 chunks per worker on a pool; 1 item per
   * chunk on `'async'` (so async functions overlap); one chunk on `'inline'`
   */
  chunkSize?: number
}

/** Options of one run: `parallelMap`'s, and `Vectorizer#process`'s second argument. */
export interface MapRunOptions {
  /**
   * Cancels the call: it rejects with a `CancelledError` and starts no further chunk; on
   * a default pool, the workers running its chunks are ended and replaced.
   */
  signal?: AbortSignal
}

/** The `init` option of `parallelMap` and `new Vectorizer`, whose result `fn` receives. */
export interface WorkerInit<S> {
  /**
   * Makes per-worker state (a model, an open file) before the worker's first item; its
   * result, awaited, is `fn`'s second argument. Runs once per worker, and once per
   * process on `'inline'` and `'async'`; a worker kept for several calls keeps it.
   */
  init: () => S | PromiseLike<S>
}

/** Checked options: what a map needs to plan its chunks and run. */
export interface MapConfig {
  readonly executor: ExecutorName | Executor
  readonly workers: number | undefined
  readonly chunkSize: number | undefined
  readonly init: AnyFunction | undefined
}

const OPTION_NAMES: readonly string[] = ['executor', 'workers', 'chunkSize', 'init']
/** The names of `MapRunOptions`. */
export const RUN_OPTION_NAMES: readonly string[] = ['signal']
const EXECUTOR_NAMES: readonly ExecutorName[] = ['threads', 'processes', 'async', 'inline']
/** Chunks per worker by default: enough to even out items of uneven cost. */
const CHUNKS_PER_WORKER = 4

/** Checks the function to map: a plain function, not a delayed one. */
export function checkMapFunction(caller: string, fn: unknown): AnyFunction {
  return checkPlainFunction(caller, fn, 'on each item')
}

/** Checks the options of a map; `runNames` are also taken (`parallelMap`'s `signal`). */
export function checkMapOptions(
  caller: string,
  options: unknown,
  runNames: readonly string[] = [],
): MapConfig {
  checkOptionNames(caller, options, [...OPTION_NAMES, ...runNames])
  const {
    executor = 'threads',
    workers,
    chunkSize,
    init,
  } = options as ParallelMapOptions & Partial<WorkerInit<unknown>>
  const checked = checkPlacement(caller, 'executor', executor, EXECUTOR_NAMES, workers)
  if (chunkSize !== undefined && !(Number.isInteger(chunkSize) && chunkSize >= 1)) {
    throw new InvalidOptionError({
      message: `${caller}: option "chunkSize" must be a whole number of items, 1 or more, got ${describeValue(chunkSize)}.`,
    })
  }
  if (init !== undefined && typeof init !== 'function') {
    throw new InvalidOptionError({
      message: `${caller}: option "init" must be a function making each worker's state, got ${describeValue(init)}.`,
    })
  }
  return { executor: checked.placement, workers: checked.workers, chunkSize, init }
}

/**
 * Where each chunk of `count` items starts and ends: `chunkSize` items each (the last
 * may be shorter), or by default as many near-equal chunks as the executor calls for.
 */
export function chunkRanges(config: MapConfig, count: number): [start: number, end: number][] {
  const ranges: [number, number][] = []
  if (config.chunkSize !== undefined) {
    for (let start = 0; start < count; start += config.chunkSize)
      ranges.push([start, Math.min(count, start + config.chunkSize)])
    return ranges
  }
  const workers = poolWorkers(config)
  const chunks = Math.min(
    count,
    workers !== undefined ? CHUNKS_PER_WORKER * workers : config.executor === 'inline' ? 1 : count,
  )
  for (let c = 0; c < chunks; c++)
    ranges.push([Math.floor((c * count) / chunks), Math.floor(((c + 1) * count) / chunks)])
  return ranges
}

/** Workers of the pool the map runs on; `undefined` for in-process executors. */
function poolWorkers({ executor, workers }: MapConfig): number | undefined {
  if (executor === 'threads' || executor === 'processes') return workers ?? defaultWorkers()
  if (typeof executor === 'string' || executor.remote !== true) return undefined
  const size = (executor as { workers?: unknown }).workers
  return typeof size === 'number' ? size : defaultWorkers()
}

/**
 * The items as an array, checked to be iterable and to hold no future; what iterating
 * them throws is the caller's error.
 */
export function toItems<T>(caller: string, items: Iterable<T>): T[] {
  // Iterable, but almost always one item meant as a list of them: refused, as bag.from does.
  if (typeof items === 'string') {
    throw new InvalidArgumentError({
      message:
        `${caller}: expected an iterable of items, got ${describeValue(items)}. ` +
        'Pass the items in an array: [text] for one string, or [...text] for its characters.',
    })
  }
  const read = readGiven(caller, 'the items', () =>
    Array.isArray(items) ? (items as T[]) : isIterable(items) ? Array.from(items) : undefined,
  )
  if (read !== undefined) {
    refuseFutures(caller, 'the items hold', read)
    return read
  }
  if (isAsyncIterable(items)) {
    throw new InvalidArgumentError({
      message:
        `${caller}: items must be an array or another iterable, got an async iterable, which ${caller} does not take. ` +
        collectFirst('items'),
    })
  }
  throw new InvalidArgumentError({
    message: `${caller}: items must be an array or another iterable, got ${describeValue(items)}.`,
  })
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return (
    value !== null &&
    value !== undefined &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  )
}
