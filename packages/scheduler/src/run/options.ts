import { InvalidOptionError, type TaskOptions } from '@taskgraph/core'
import { checkOptionNames, checkTaskOptions, describeValue } from '@taskgraph/core/internal'
import { AsyncExecutor, checkConcurrency } from '../executors/async-executor.js'
import type { Executor } from '../executors/executor.js'
import { InlineExecutor } from '../executors/inline-executor.js'
import { defaultPool } from '../pool/default-pools.js'
import { checkStartTimeout, checkWorkers } from '../pool/pool-options.js'
import { readEnvRunOptions } from './env-options.js'
import type { ComputeHooks } from './hooks.js'
import type { ResultCache } from './result-cache.js'

/** Names of the built-in executors. */
export type ExecutorName = 'inline' | 'async' | 'threads' | 'processes'

/**
 * Options of a run; what `compute(..., options)` and `Delayed#compute(options)` take.
 * `retries`, `retryDelay` and `timeout` apply to every task that does not set its own.
 * An option left out is taken from its `TASKGRAPH_*` environment variable, if set
 * (`TASKGRAPH_EXECUTOR`, `TASKGRAPH_CONCURRENCY`, `TASKGRAPH_WORKERS`,
 * `TASKGRAPH_START_TIMEOUT`, `TASKGRAPH_RETRIES`, `TASKGRAPH_TIMEOUT`), then from its default.
 */
export interface RunOptions extends TaskOptions {
  /**
   * Where tasks run: `'inline'` (one at a time, deterministic order), `'async'` (the
   * event loop, up to `concurrency` at once), `'threads'` (worker threads, in parallel),
   * `'processes'` (child processes, in parallel and isolated), or an `Executor`
   * instance you own. `'threads'` and `'processes'` run on a pool kept for the program,
   * shared by every run with the same `workers` and `startTimeout`: its workers start at
   * the first run that needs them and never keep the program alive (see
   * `closeDefaultExecutors`).
   * @default TASKGRAPH_EXECUTOR, else 'async'
   */
  executor?: ExecutorName | Executor
  /**
   * Most tasks in flight at once on the `async` executor.
   * @default TASKGRAPH_CONCURRENCY, else 100
   */
  concurrency?: number
  /**
   * Workers of the `threads` and `processes` executors.
   * @default TASKGRAPH_WORKERS, else os.availableParallelism()
   */
  workers?: number
  /**
   * Milliseconds the workers of the `threads` and `processes` executors may take to get
   * ready, and an import a task needs may take in a worker (see `PoolOptions`).
   * @default TASKGRAPH_START_TIMEOUT, else 60000
   */
  startTimeout?: number
  /**
   * Stop at the first failure: launch nothing new, wait for tasks in flight, reject with
   * its `TaskError`. With `false`, run every task whose dependencies succeeded and reject
   * with an `AggregateTaskError` listing every failure.
   * @default true
   */
  failFast?: boolean
  /** Cancels the run: it rejects with a `CancelledError` and launches nothing more. */
  signal?: AbortSignal
  /** Callbacks on the progress of the run. */
  hooks?: ComputeHooks
  /**
   * Most levels of tasks returning graphs (a task that returns a `Delayed` stands for its
   * result, computed in the same run): a task returning one deeper fails with a
   * `DepthLimitError` as its cause, which ends recursion that would not stop.
   * @default 100
   */
  maxDepth?: number
  /**
   * A persistent cache of results across runs (`new TaskCache(directory)` from
   * @taskgraph/cache): the results of cached tasks (`pure` or `cache: true`) are read
   * from it instead of running them, and stored in it when they run.
   */
  cache?: ResultCache
}

declare module '@taskgraph/core' {
  // Fills in the options `Delayed#compute` takes (declaration merging needs an interface).
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface ComputeOptions extends RunOptions {}
}

/** Levels of tasks returning graphs a run allows by default (`RunOptions.maxDepth`). */
export const DEFAULT_MAX_DEPTH = 100

/** The names `RunOptions` has. */
export const OPTION_NAMES: ReadonlySet<string> = new Set([
  'executor',
  'concurrency',
  'workers',
  'startTimeout',
  'failFast',
  'signal',
  'hooks',
  'maxDepth',
  'cache',
  'retries',
  'retryDelay',
  'timeout',
])

/** A checked run configuration; `ownsExecutor` says whether the run must close it. */
export interface RunConfig {
  readonly executor: Executor
  readonly ownsExecutor: boolean
  readonly failFast: boolean
  readonly signal: AbortSignal | undefined
  readonly hooks: ComputeHooks | undefined
  readonly cache: ResultCache | undefined
  /** Most levels of tasks returning graphs (`RunOptions.maxDepth`). */
  readonly maxDepth: number
  /** Task options for tasks that set none of their own. */
  readonly taskDefaults: TaskOptions
}

/**
 * Checks `options` and fills in what they leave out from the `TASKGRAPH_*` environment
 * variables (read now, so a change to `process.env` counts from the next call), then from
 * the defaults. The call's own options are checked against the executor the call names,
 * or `'async'` when it names none, as if the environment were empty: a call that is valid
 * without the variables stays valid with them. A sizing option (`concurrency`, `workers`,
 * `startTimeout`), from the call or the environment, that does not fit the executor in
 * use is left out; an `Executor` instance takes none of them from the environment.
 */
export function resolveOptions(
  caller: string,
  options: RunOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): RunConfig {
  checkOptionNames(caller, options, OPTION_NAMES)
  const fromEnv = readEnvRunOptions(env, caller)
  const {
    executor: named,
    concurrency,
    workers,
    startTimeout,
    failFast = true,
    signal,
    hooks,
    cache,
    maxDepth = DEFAULT_MAX_DEPTH,
  } = options
  const { retryDelay } = options
  checkTaskOptions(caller, options)
  const taskDefaults: TaskOptions = {
    retries: options.retries ?? fromEnv.retries,
    retryDelay,
    timeout: options.timeout ?? fromEnv.timeout,
  }
  if (typeof failFast !== 'boolean') {
    throw new InvalidOptionError({
      message: `${caller}: option "failFast" must be true or false, got ${describeValue(failFast)}.`,
    })
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidOptionError({
      message: `${caller}: option "signal" must be an AbortSignal, got ${describeValue(signal)}.`,
    })
  }
  if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null)) {
    throw new InvalidOptionError({
      message: `${caller}: option "hooks" must be an object of callbacks, got ${describeValue(hooks)}.`,
    })
  }
  if (hooks !== undefined) checkHooks(caller, hooks)
  if (cache !== undefined && typeof (cache as Partial<ResultCache> | null)?.open !== 'function') {
    throw new InvalidOptionError({
      message: `${caller}: option "cache" must be a ResultCache (new TaskCache(directory) from @taskgraph/cache), got ${describeValue(cache)}.`,
    })
  }
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) {
    throw new InvalidOptionError({
      message: `${caller}: option "maxDepth" must be a whole number of levels (0 or more), got ${describeValue(maxDepth)}.`,
    })
  }
  const config = { failFast, signal, hooks, cache, maxDepth, taskDefaults }
  if (typeof named === 'object' && named !== null) {
    const byReference = named as Partial<Executor>
    if (
      cache !== undefined &&
      byReference.resultsByReference === true &&
      (typeof byReference.keep !== 'function' || typeof byReference.fetch !== 'function')
    ) {
      throw new InvalidOptionError({
        message: `${caller}: option "cache" needs the ${String(byReference.name)} executor to move results between the cache and its own store, and it has no keep() and fetch() methods. Run without a cache, or give the executor keep() and fetch() (see Executor).`,
      })
    }
    if (typeof (named as Partial<Executor>).run !== 'function') {
      throw new InvalidOptionError({
        message: `${caller}: option "executor" is an object without a run() method; pass 'inline', 'async', 'threads', 'processes' or an Executor.`,
      })
    }
    // A run hands over at most `concurrency` calls at once: with none allowed, it would
    // hand over nothing, and never end.
    const limit = (named as Partial<Executor>).concurrency
    if (limit !== Infinity && !(Number.isSafeInteger(limit) && (limit as number) >= 1)) {
      throw new InvalidOptionError({
        message: `${caller}: option "executor" has a "concurrency" of ${describeValue(limit)}, not a whole number of calls (1 or more, or Infinity); give the Executor the most calls it runs at once.`,
      })
    }
    if (concurrency !== undefined || workers !== undefined || startTimeout !== undefined) {
      throw new InvalidOptionError({
        message: `${caller}: options "concurrency", "workers" and "startTimeout" apply to the built-in executors; set them on your Executor instance instead.`,
      })
    }
    return { executor: named, ownsExecutor: false, ...config }
  }
  // `null` is no executor, as it is no signal: refused, rather than read as left out (the
  // default, or TASKGRAPH_EXECUTOR's), which would run the work somewhere not asked for.
  if (named === null) throw badExecutor(caller, named)
  checkSizing(caller, named ?? 'async', { concurrency, workers, startTimeout })
  const executor = named ?? fromEnv.executor ?? 'async'
  switch (executor) {
    case 'inline':
      return { executor: new InlineExecutor(), ownsExecutor: true, ...config }
    case 'async': {
      const inFlight = concurrency ?? fromEnv.concurrency
      return {
        executor: new AsyncExecutor(
          inFlight === undefined ? {} : { concurrency: checkConcurrency(caller, inFlight) },
        ),
        ownsExecutor: true,
        ...config,
      }
    }
    case 'threads':
    case 'processes': {
      // Only a size left out comes from the environment: `null` is checked, and refused.
      const size = workers === undefined ? fromEnv.workers : workers
      const wait = startTimeout === undefined ? fromEnv.startTimeout : startTimeout
      const poolOptions = {
        ...(size === undefined ? {} : { workers: checkWorkers(caller, size) }),
        ...(wait === undefined ? {} : { startTimeout: checkStartTimeout(caller, wait) }),
      }
      // Shared with every run of the same kind and sizing, and closed by none.
      return { executor: defaultPool(executor, poolOptions), ownsExecutor: false, ...config }
    }
    default:
      throw badExecutor(caller, executor)
  }
}

/** The error of an `executor` option that names no executor and is none. */
function badExecutor(caller: string, executor: unknown): InvalidOptionError {
  return new InvalidOptionError({
    message:
      typeof executor === 'string'
        ? `${caller}: unknown executor ${JSON.stringify(executor)}. Use 'inline', 'async', 'threads' or 'processes', or pass an Executor instance.`
        : `${caller}: option "executor" must be an executor's name or an Executor instance, not ${describeValue(executor)}. Use 'inline', 'async', 'threads' or 'processes', or pass an Executor instance (or leave the option out for the default).`,
  })
}

/** The callbacks `ComputeHooks` has. */
const HOOK_NAMES = [
  'onStart',
  'onTaskStart',
  'onTaskEnd',
  'onTaskRetry',
  'onTaskRecord',
  'onTasksAdded',
  'onFinish',
] as const satisfies readonly (keyof ComputeHooks)[]

/**
 * Checks that each hook `hooks` has is a function: one that is not would fail the run
 * with a TypeError at its first call; and that an own member named as a hook is (`onTaskEnded`
 * would never be called). Other members are left alone (a progress bar's `counts`, a
 * profiler's own methods). `place` names the hooks in messages, as the caller's user
 * wrote them.
 */
export function checkHooks(caller: string, hooks: ComputeHooks, place = 'option "hooks"'): void {
  for (const name of Object.keys(hooks)) {
    if (/^on[A-Z]/.test(name) && !(HOOK_NAMES as readonly string[]).includes(name)) {
      throw new InvalidOptionError({
        message: `${caller}: ${place} has ${JSON.stringify(name)}, which is no hook, so it would never be called. Hooks: ${HOOK_NAMES.join(', ')}.`,
      })
    }
  }
  let holdsHooks = false
  for (const name of HOOK_NAMES) {
    const hook = (hooks as Readonly<Record<string, unknown>>)[name]
    if (hook !== undefined && typeof hook !== 'function') {
      throw new InvalidOptionError({
        message: `${caller}: hook "${name}" of ${place} must be a function, got ${describeValue(hook)}. Pass a callback, or leave it out.`,
      })
    }
    holdsHooks ||= hook !== undefined
  }
  // A ResourceProfiler or a dashboard given itself rather than its `hooks`: nothing of it
  // would be called, and its samples or pages stayed empty without a word.
  const inner = (hooks as { readonly hooks?: unknown }).hooks
  if (!holdsHooks && typeof inner === 'object' && inner !== null) {
    throw new InvalidOptionError({
      message: `${caller}: ${place} is ${describeValue(hooks)}, which has no hooks of its own but holds them in its "hooks" member, so none would be called. Pass that member instead (hooks: profiler.hooks), or combineHooks(profiler.hooks, ...) to join it with others.`,
    })
  }
}

/** The options that size a built-in executor, each fitting some executors only. */
export type SizingOption = 'concurrency' | 'workers' | 'startTimeout'

/**
 * Checks the sizing options a call gives against the executor it names (or `'async'`).
 * `spell` writes an option's name as the caller's user wrote it: the CLI's flags are
 * `--workers`, a call's options `"workers"`.
 * @throws {InvalidOptionError} for an option the executor does not take
 */
export function checkSizing(
  caller: string,
  executor: unknown,
  { concurrency, workers, startTimeout }: Pick<RunOptions, SizingOption>,
  spell: (name: SizingOption) => string = (name) => `"${name}"`,
): void {
  for (const [name, value] of [
    ['workers', workers],
    ['startTimeout', startTimeout],
  ] as const) {
    if (value !== undefined && executor !== 'threads' && executor !== 'processes') {
      throw new InvalidOptionError({
        message: `${caller}: option ${spell(name)} applies to the 'threads' and 'processes' executors, not ${typeof executor === 'string' ? `'${executor}'` : describeValue(executor)}.`,
      })
    }
  }
  if (
    concurrency !== undefined &&
    executor !== 'async' &&
    !(executor === 'inline' && concurrency === 1)
  ) {
    throw new InvalidOptionError({
      message:
        executor === 'inline'
          ? `${caller}: the inline executor runs one task at a time; drop ${spell('concurrency')} or use executor 'async'.`
          : `${caller}: option ${spell('concurrency')} applies to the async executor; pool executors take ${spell('workers')}.`,
    })
  }
  // Checked even when TASKGRAPH_EXECUTOR picks an executor that leaves it out.
  if (concurrency !== undefined) checkConcurrency(caller, concurrency)
}
