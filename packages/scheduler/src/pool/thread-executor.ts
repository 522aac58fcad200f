import { PoolExecutor } from './pool-executor.js'
import type { PoolOptions } from './pool-options.js'

/**
 * Runs tasks in parallel on worker threads: JavaScript has no global interpreter lock,
 * so CPU-bound tasks use every core. Typed-array results move back without a copy.
 * @example await compute(total, { executor: new ThreadExecutor({ workers: 4 }) })
 */
export class ThreadExecutor extends PoolExecutor {
  readonly name = 'threads'

  constructor(options?: PoolOptions) {
    super('worker_threads', options)
  }
}
