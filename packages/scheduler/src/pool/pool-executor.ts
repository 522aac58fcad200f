import { checkOptionNames } from '@taskgraph/core/internal'
import { DiscardedFault, ExecutorClosedFault } from '../executors/executor-faults.js'
import type { Executor, TaskCall } from '../executors/executor.js'
import { FunctionLocator } from './function-locator.js'
import type { PoolEngine, PoolSettings } from './pool-engine.js'
import { HELD_PER_WORKER } from './work-held.js'
import { poolPreloads } from './worker-preloads.js'
import {
  DEFAULT_START_TIMEOUT_MS,
  POOL_OPTION_NAMES,
  checkPreload,
  checkStartTimeout,
  checkTaskStdout,
  checkWorkers,
  defaultWorkers,
  type PoolOptions,
} from './pool-options.js'

/** Calls handed to the executor at once, per worker: enough to fill big batches. */
const CALLS_PER_WORKER = 2048

/**
 * Runs tasks in a pool of worker threads or child processes. This is the front: it
 * checks the options and answers what the scheduler asks before any call. The engine
 * behind it (pool-engine.ts), with the batching, the wire format and the workers'
 * handles, some forty modules, is imported when the pool is first used, so a program
 * that imports taskgraph and never runs a pool does not load it, and one that does loads
 * it while its workers start.
 */
export abstract class PoolExecutor implements Executor {
  abstract readonly name: string
  readonly remote = true
  readonly returnsSteps = true
  readonly enforcesTimeouts = true
  readonly reportsStarts = true
  readonly concurrency: number
  /** Number of workers. */
  readonly workers: number
  private readonly settings: PoolSettings
  private engine: PoolEngine | undefined
  private loading: Promise<PoolEngine> | undefined
  private closed = false
  /** What the first `close()` started: every later call resolves with it. */
  private closing: Promise<void> | undefined
  /** Calls handed over while the engine loads. */
  private waiting = 0
  /** Runs that ended before the engine was there (see `stopCallsOf`): a few at most. */
  private readonly endedEarly = new Set<AbortSignal>()

  protected constructor(
    runtime: 'worker_threads' | 'child_process',
    options: PoolOptions = {},
    { stopsEndedRuns = false }: { readonly stopsEndedRuns?: boolean } = {},
  ) {
    const caller = `new ${new.target.name}`
    // A misspelt option (`worker: 1`) would otherwise be a pool of the default size.
    checkOptionNames(caller, options, POOL_OPTION_NAMES)
    this.workers =
      options.workers === undefined ? defaultWorkers() : checkWorkers(caller, options.workers)
    this.concurrency = this.workers * CALLS_PER_WORKER
    this.settings = {
      runtime,
      workers: this.workers,
      startTimeoutMs:
        options.startTimeout === undefined
          ? DEFAULT_START_TIMEOUT_MS
          : checkStartTimeout(caller, options.startTimeout),
      taskStdout: checkTaskStdout(caller, options.taskStdout),
      preload: poolPreloads(checkPreload(caller, options.preload)),
      stopsEndedRuns,
      locator: new FunctionLocator(),
    }
  }

  run(call: TaskCall): unknown {
    if (this.engine !== undefined) return this.engine.run(call)
    if (this.closed) throw new ExecutorClosedFault(false)
    this.waiting++
    return this.load().then(
      (engine) => {
        this.waiting--
        // A run that stopped or ended while the engine loaded has its calls dropped.
        if (call.signal.aborted || this.endedEarly.has(call.signal)) throw new DiscardedFault()
        return engine.run(call)
      },
      (error: unknown) => {
        this.waiting--
        throw error
      },
    )
  }

  saturated(): boolean {
    // Until the engine is there, each call waiting for it counts as one of unknown cost
    // does in the engine. Not counted, a first run on a new pool was handed every ready
    // task at once, in no order of its own: 40 producers of 50 MB all ran before the
    // first consumer, and their results were held together.
    return this.engine?.saturated() ?? this.waiting >= this.workers * HELD_PER_WORKER
  }

  /** Whether a call of `fn` is known to run in a worker (so it may be fused with others). */
  canFuse(fn: TaskCall['fn']): boolean {
    const ref = this.settings.locator.peek(fn)
    return ref !== undefined && ref !== null
  }

  /**
   * Starts the workers now, rather than at the first task, and has each import its
   * preload modules and the modules that made task functions, so the first batches find
   * them loaded. Resolves once every worker is ready; never rejects: a pool whose workers
   * cannot start fails the calls waiting for it instead (and starts again for later ones).
   * After `close()` it does nothing (a run then fails with `ExecutorClosedError`).
   * @example const pool = new ThreadExecutor(); void pool.start() // while the graph is built
   */
  async start(): Promise<void> {
    if (this.closed) return
    const engine = await this.load()
    if (!this.closed) await engine.start()
  }

  /**
   * Starts the workers as `start()` does, but resolves once they are spawned, before they
   * are ready: a program with more to load (a cluster worker loads BullMQ) lets them get
   * ready on other cores meanwhile, rather than spawning them once it is done.
   */
  async spawn(): Promise<void> {
    if (this.closed) return
    const engine = await this.load()
    // Spawns each worker synchronously; never rejects (see `start`).
    if (!this.closed) void engine.start()
  }

  /** Ends the workers; calls queued or running reject with `ExecutorClosedError`. */
  close(): Promise<void> {
    // A second call (a `finally` and an `await using` both closing) waits for the first.
    this.closing ??= this.#closeEngine()
    return this.closing
  }

  async #closeEngine(): Promise<void> {
    this.closed = true
    // Calls waiting for the engine reach it first, and are rejected with the rest.
    const engine = this.engine ?? (await this.loading)
    await engine?.close()
  }

  /** `close()`, for `await using threads = new ThreadExecutor()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Whether `close()` was called. */
  protected get isClosed(): boolean {
    return this.closed
  }

  /**
   * The run whose calls carried `signal` ended: a worker running nothing but calls of
   * ended runs is ended (and replaced), so a call nobody waits for does not hold a
   * worker, nor keep the process alive. For an executor made with `stopsEndedRuns`,
   * whose runs never close it (a run that closes its executor ends such calls so).
   */
  protected stopCallsOf(signal: AbortSignal): void {
    if (this.engine !== undefined) this.engine.stopCallsOf(signal)
    else this.endedEarly.add(signal)
  }

  /**
   * Ends the workers at once, synchronously: from a process's `'exit'` listener, where
   * nothing asynchronous runs any more, so that no worker process outlives it.
   */
  protected endNow(): void {
    this.closed = true
    this.engine?.endNow()
  }

  private load(): Promise<PoolEngine> {
    return (this.loading ??= import('./pool-engine.js').then(({ PoolEngine }) => {
      const engine = new PoolEngine(this.settings)
      for (const signal of this.endedEarly) engine.stopCallsOf(signal)
      this.engine = engine
      return engine
    }))
  }
}
