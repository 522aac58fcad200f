import type { LateMessage, ReadyMessage, StepMessage } from '../wire/messages.js'
import { startedWithTsx } from './worker-handle.js'
import { WorkerPool } from './worker-pool.js'
import { workerPreloads } from './worker-preloads.js'

export interface LifeCycleOptions {
  readonly runtime: 'worker_threads' | 'child_process'
  readonly workers: number
  readonly taskStdout: 'stdout' | 'stderr'
  readonly startTimeoutMs: number
  /** Modules each worker imports first (`PoolOptions.preload`), as URLs. */
  readonly preload: readonly string[]
  /** The modules a worker may import ahead of need, read as each worker starts. */
  readonly modulesToWarm: () => string[]
  /** A worker got ready, finding these functions (see `ReadyMessage.found`). */
  readonly onFound: (found: NonNullable<ReadyMessage['found']>) => void
  /** A worker reported a late failure of one of its calls. */
  readonly onLate: (message: LateMessage) => void
  readonly onStep: (message: StepMessage) => void
  /** The workers are ready, or a replaced one is: there is room for batches. */
  readonly onRoom: () => void
  /**
   * The workers could not get ready, or code outside any task ended one: what waits for
   * them now fails with `reason` once `ended` resolves, when they are gone.
   */
  readonly onBroken: (reason: unknown, ended: Promise<void>) => void
}

/**
 * A pool executor's workers from start to end: started on demand (or ahead, with
 * `start()`), started anew after a pool whose workers could not get ready, ended on close.
 */
export class PoolLifeCycle {
  private pool: WorkerPool | undefined
  private ready = false
  /** Pools being ended because their workers could not get ready. */
  private readonly closing = new Set<Promise<void>>()

  constructor(private readonly options: LifeCycleOptions) {}

  /** The pool, once its workers are ready. */
  get readyPool(): WorkerPool | undefined {
    return this.ready ? this.pool : undefined
  }

  /** Starts the workers, if not started; resolves once they are ready, never rejects. */
  start(): Promise<void> {
    if (this.pool !== undefined) return this.pool.start().catch(() => undefined)
    const options = this.options
    const pool = new WorkerPool({
      runtime: options.runtime,
      size: options.workers,
      taskStdout: options.taskStdout,
      startTimeoutMs: options.startTimeoutMs,
      init: () => ({
        type: 'init',
        preload: options.preload,
        packages: workerPreloads(),
        typescript: startedWithTsx(),
        modules: options.modulesToWarm(),
        loadTimeoutMs: options.startTimeoutMs,
      }),
      onFound: options.onFound,
      onLate: options.onLate,
      onStep: options.onStep,
      onReplaced: options.onRoom,
      onBroken: (reason) => this.broken(pool, reason),
    })
    this.pool = pool
    return pool.start().then(
      () => {
        if (this.pool !== pool) return
        this.ready = true
        options.onRoom()
      },
      (reason: unknown) => this.broken(pool, reason),
    )
  }

  /** Ends the workers, and those of pools still being ended. */
  async close(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    this.ready = false
    await Promise.all([pool?.close(), ...this.closing])
  }

  /** Ends the workers at once, synchronously (see `WorkerPool.endNow`). */
  endNow(): void {
    this.pool?.endNow()
  }

  /** A pool whose workers could not get ready, or broke: what waits for it fails, and a later call starts anew. */
  private broken(pool: WorkerPool, reason: unknown): void {
    if (this.pool !== pool) return
    this.pool = undefined
    this.ready = false
    // Ended before the calls fail: a run that closes this executor then finds no worker.
    const closing = pool.close()
    this.closing.add(closing)
    void closing.then(() => this.closing.delete(closing))
    this.options.onBroken(reason, closing)
  }
}
