import { InvalidOptionError, type AnyFunction } from '@taskgraph/core'
import { checkOptionNames, describeValue } from '@taskgraph/core/internal'
import type { Executor, ExecutorName } from '@taskgraph/scheduler'
import type { NotAString } from '@taskgraph/core/internal'
import { checkPlacement } from '../placement.js'

/**
 * Where an in-batch function's calls run (batchflow's targets): `'threads'` and
 * `'processes'` in parallel on the kind's default pool (batchflow's `mpc`),
 * `'async'` overlapping on the event loop, `'for'` one after another on the calling
 * thread, for debugging.
 */
export type InBatchTarget = 'threads' | 'async' | 'processes' | 'for'

/**
 * The standard inits: `'items'` calls `fn(item, ...args)` for each element of the batch,
 * `'indices'` calls `fn(index, ...args)` for each position, and `'once'` calls
 * `fn(...args)` once (batchflow's `run_once`).
 */
export type StandardInit = 'items' | 'indices' | 'once'

/** A batch the standard inits `'items'` and `'indices'` go through: not a string, a batch of characters. */
export type Batch<T = unknown> = (ArrayLike<T> | Iterable<T>) & NotAString

/** Where and how an in-batch function runs; also what `.with()` changes for some calls. */
export interface InBatchRunOptions {
  /**
   * Where the calls run, or an `Executor` you own (a `ThreadExecutor` whose workers
   * start and end when you say). `'async'` by default: it costs
   * nothing to start, takes any function (closures too), and overlaps I/O as Python's
   * threads do for batchflow; choose `'threads'` for CPU-bound work.
   * @default 'async'
   */
  target?: InBatchTarget | Executor
  /**
   * Workers of the `'threads'` and `'processes'` targets, 1 to 256 (batchflow's
   * `n_workers`). Not for `'async'` and `'for'`.
   * @default os.availableParallelism()
   */
  workers?: number
  /**
   * Cancels the calls made through the function: each rejects with a `CancelledError`
   * and starts no further call of `fn` (nor `init`, if it had aborted already), and `post`
   * does not run; on a default pool, the workers running its calls are ended and
   * replaced. Usually given per call: `await fn.with({ signal })(batch)`.
   */
  signal?: AbortSignal
}

/** Checked options of an in-batch function. */
export interface InBatchConfig {
  readonly init: StandardInit | AnyFunction
  readonly post: AnyFunction | undefined
  readonly target: InBatchTarget | Executor
  readonly workers: number | undefined
  readonly signal: AbortSignal | undefined
}

const OPTION_NAMES: readonly string[] = ['init', 'post', 'target', 'workers', 'signal']
const RUN_OPTION_NAMES: readonly string[] = ['target', 'workers', 'signal']
const TARGETS: readonly InBatchTarget[] = ['threads', 'processes', 'async', 'for']
const STANDARD_INITS: ReadonlySet<unknown> = new Set(['items', 'indices', 'once'])

export function checkInBatchOptions(caller: string, options: unknown): InBatchConfig {
  checkOptionNames(caller, options, OPTION_NAMES)
  const { init, post } = options as { init?: unknown; post?: unknown }
  if (init === undefined) {
    throw new InvalidOptionError({
      message: `${caller}: option "init" is required: 'items', 'indices', 'once', or a function returning each call's arguments.`,
    })
  }
  if (typeof init !== 'function' && !STANDARD_INITS.has(init)) {
    throw new InvalidOptionError({
      message: `${caller}: option "init" must be 'items', 'indices', 'once' or a function returning each call's arguments, got ${describeValue(init)}.`,
    })
  }
  if (post !== undefined && typeof post !== 'function') {
    throw new InvalidOptionError({
      message: `${caller}: option "post" must be a function of the results, got ${describeValue(post)}.`,
    })
  }
  return {
    init: init as StandardInit | AnyFunction,
    post: post as AnyFunction | undefined,
    ...checkRun(caller, options),
  }
}

/**
 * The configuration with `changes` made (`.with()`). A new target that takes no workers
 * drops the workers set for the old one; a signal is kept unless another is given.
 */
export function withChanges(
  caller: string,
  config: InBatchConfig,
  changes: unknown,
): InBatchConfig {
  checkOptionNames(caller, changes, RUN_OPTION_NAMES)
  const { target, workers, signal } = changes as InBatchRunOptions
  const keepsWorkers = target === undefined || target === 'threads' || target === 'processes'
  // Only an option left out keeps the one set before: `null` is checked, and refused, as
  // `inbatchParallel` refuses it, rather than taken as left out.
  return {
    ...config,
    ...checkRun(caller, {
      target: target === undefined ? config.target : target,
      workers: workers === undefined ? (keepsWorkers ? config.workers : undefined) : workers,
      signal: signal === undefined ? config.signal : signal,
    }),
  }
}

/** The run options of `compute` for a configuration. */
export function runOptionsOf(config: InBatchConfig): {
  executor: ExecutorName | Executor
  workers?: number
  signal?: AbortSignal
} {
  const { workers, signal } = config
  return {
    executor: config.target === 'for' ? 'inline' : config.target,
    ...(workers === undefined ? {} : { workers }),
    ...(signal === undefined ? {} : { signal }),
  }
}

function checkRun(
  caller: string,
  { target = 'async', workers, signal }: InBatchRunOptions,
): Pick<InBatchConfig, 'target' | 'workers' | 'signal'> {
  const checked = checkPlacement(caller, 'target', target, TARGETS, workers)
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError({
      message: `${caller}: option "signal" must be an AbortSignal, got ${describeValue(signal)}.`,
    })
  }
  return { target: checked.placement, workers: checked.workers, signal }
}
