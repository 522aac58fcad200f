import type { Executor } from '../executors/executor.js'
import { NotSerializableFault } from '../executors/executor-faults.js'
import type { CacheSession } from './result-cache.js'

// Results read from the store at once: each is whole in memory on this thread until the
// cache has packed it.
const MAX_READS = 4

/** A task that finished, its result to be read for the cache (see `CacheTransfer.completed`). */
interface Completed {
  readonly key: string
  readonly result: unknown
  readonly durationMs: number | undefined
  readonly node: number | undefined
}

/** An executor whose results are references, able to move them for a cache. */
export type TransferringExecutor = Executor & Required<Pick<Executor, 'keep' | 'fetch'>>

/** Whether a run's cache needs `executor`'s results moved (options.ts checked it can). */
export function transfersResults(executor: Executor): executor is TransferringExecutor {
  return (
    executor.resultsByReference === true &&
    typeof executor.keep === 'function' &&
    typeof executor.fetch === 'function'
  )
}

/**
 * A run's cache on an executor whose results are references into a store of its own (a
 * cluster's, see `Executor.resultsByReference`). A result found in the cache is kept in
 * that store (`keep`) before the tasks that need it run, and a result to cache is read
 * from it (`fetch`) before the cache stores it: cached tasks' results pass through this
 * thread, a few at a time, and no other result does. A result being read is released
 * once it has been.
 */
export class CacheTransfer {
  /** Results being read, or waiting to be, each with how many times (a value may be two tasks'). */
  private readonly reading = new Map<unknown, number>()
  /** Results released while being read: released once they have been. */
  private readonly releasedWhileRead = new Set<unknown>()
  private readonly waiting: Completed[] = []
  private reads = 0
  private idle: (() => void) | undefined

  constructor(
    private readonly session: CacheSession,
    private readonly executor: TransferringExecutor,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * What the tasks needing the cached result `value` of task `key` are handed: the
   * executor's reference to it, or the value itself if it could not be kept there.
   */
  async keep(key: string, value: unknown): Promise<unknown> {
    try {
      return await this.executor.keep(this.signal, key, value)
    } catch {
      // Handed as is: slower to send, as right.
      return value
    }
  }

  /**
   * The task `key` finished with `result`: the session stores it, read first if need be;
   * a result it does not store is not read, but how long it took still counts for what
   * depends on it. `node`: as the session's (see `CacheSession.stores`).
   */
  completed(key: string, result: unknown, durationMs: number | undefined, node?: number): void {
    if (!this.session.stores(key, node)) {
      this.session.completed(key, undefined, durationMs, node)
      return
    }
    this.reading.set(result, (this.reading.get(result) ?? 0) + 1)
    this.waiting.push({ key, result, durationMs, node })
    this.readNext()
  }

  /** Lets the executor free `result`, once it is not being read. */
  release(result: unknown): void {
    if (this.reading.has(result)) this.releasedWhileRead.add(result)
    else this.executor.release?.(result)
  }

  /** Resolves once every result to cache has been read and handed to the session. */
  settled(): Promise<void> {
    if (this.reading.size === 0) return Promise.resolve()
    return new Promise((resolve) => (this.idle = resolve))
  }

  private readNext(): void {
    while (this.reads < MAX_READS && this.waiting.length > 0) {
      const completed = this.waiting.shift()!
      const { result } = completed
      this.reads++
      void this.read(completed).finally(() => {
        this.reads--
        const count = this.reading.get(result)!
        if (count > 1) this.reading.set(result, count - 1)
        else {
          this.reading.delete(result)
          if (this.releasedWhileRead.delete(result)) this.executor.release?.(result)
        }
        this.readNext()
        if (this.reading.size === 0) this.idle?.()
      })
    }
  }

  private async read({ key, result, durationMs, node }: Completed): Promise<void> {
    let value: unknown
    try {
      value = await this.executor.fetch(result)
    } catch (error) {
      const store = `the ${this.executor.name} executor's store`
      const why = readFailure(error)
      // Told as the cache tells what it cannot store (its own warnings, once a function),
      // and weighed: what depends on it costs more to make again.
      if (this.session.notStored !== undefined) {
        this.session.notStored(key, `${store} could not give them back: ${why}`, durationMs, node)
      } else {
        process.emitWarning(
          `cache: the result of task ${JSON.stringify(key)} could not be read from ${store}, so it is not cached: ${why}`,
          { code: 'TASKGRAPH_CACHE' },
        )
      }
      return
    }
    this.session.completed(key, value, durationMs, node)
  }
}

/** Why a stored result could not be read, as a sentence's end. */
function readFailure(error: unknown): string {
  // What the store gave does not deserialize: the fault names the file, why and what to do.
  if (error instanceof NotSerializableFault && error.reason !== undefined) {
    const advice = error.read === undefined ? '' : ` ${error.read.advice}`
    return `${error.path}, ${error.reason}.${advice}`
  }
  return (error as Error).message
}
