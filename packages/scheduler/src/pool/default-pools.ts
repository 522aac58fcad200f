import { PoolExecutor } from './pool-executor.js'
import { DEFAULT_START_TIMEOUT_MS, defaultWorkers } from './pool-options.js'

// The pools behind `executor: 'threads'` and `'processes'`. Starting workers costs far
// more than a small run (0.4 to 1 s against a few ms), so one-off computes share a pool
// kept for the life of the program, as Dask keeps its default thread pool: one per kind
// and sizing, started by the first run that needs a worker. Idle, its workers never keep
// the process alive (WorkerPool lets them go between batches): a program whose last line
// awaits a compute exits, and the workers end with it.

/** The sizing of a default pool: runs that resolve to the same share one pool. */
export interface DefaultPoolOptions {
  readonly workers?: number
  readonly startTimeout?: number
}

/**
 * A pool no run closes, of either kind. A run that ends with calls still in a worker
 * (cancelled, or gave up on a call) has them stopped, as closing a pool of its own would:
 * a shared worker must not run on for nobody, holding the process open.
 */
class DefaultPool extends PoolExecutor {
  constructor(
    readonly name: 'threads' | 'processes',
    options: DefaultPoolOptions,
  ) {
    super(name === 'threads' ? 'worker_threads' : 'child_process', options, {
      stopsEndedRuns: true,
    })
  }

  /** Whether it may still be handed out (it was not closed). */
  get usable(): boolean {
    return !this.isClosed
  }

  endRun(signal: AbortSignal): void {
    this.stopCallsOf(signal)
  }

  /** Ends its workers at once (see `PoolExecutor.endNow`). */
  end(): void {
    this.endNow()
  }
}

const pools = new Map<string, DefaultPool>()
let endsAtExit = false

/**
 * The default pool of `kind` sized by `options` (checked by the caller), made on first
 * use. A closed one is never handed out: a new one takes its place.
 */
export function defaultPool(
  kind: 'threads' | 'processes',
  options: DefaultPoolOptions,
): PoolExecutor {
  const workers = options.workers ?? defaultWorkers()
  const startTimeout = options.startTimeout ?? DEFAULT_START_TIMEOUT_MS
  const key = `${kind} ${workers} ${startTimeout}`
  const kept = pools.get(key)
  if (kept?.usable === true) return kept
  const made = new DefaultPool(kind, { workers, startTimeout })
  pools.set(key, made)
  if (!endsAtExit) {
    endsAtExit = true
    // Threads end with the process; child processes are killed here, synchronously (an
    // exiting process runs nothing asynchronous), rather than left to notice their
    // parent is gone.
    process.on('exit', () => {
      for (const pool of pools.values()) pool.end()
    })
  }
  return made
}

/**
 * Closes the pools that `executor: 'threads'` and `'processes'` share, ending their
 * workers; the next run that names one starts a new pool. Not needed before a program
 * ends: idle, these workers never keep it alive, and they end with it. Runs still on
 * them reject with `ExecutorClosedError`.
 * @example await closeDefaultExecutors() // a long-lived program that is done with parallel work
 */
export async function closeDefaultExecutors(): Promise<void> {
  const closing = [...pools.values()]
  pools.clear()
  await Promise.all(closing.map((pool) => pool.close()))
}
