import { PoolExecutor } from './pool-executor.js'
import type { PoolOptions } from './pool-options.js'

/**
 * Runs tasks in parallel in child processes: slower to start and to exchange data with
 * than threads, but a task that crashes its process (a native addon, `process.abort`)
 * cannot take the run down with it.
 */
export class ProcessExecutor extends PoolExecutor {
  readonly name = 'processes'

  constructor(options?: PoolOptions) {
    super('child_process', options)
  }
}
