import { availableParallelism } from 'node:os'
import { InvalidOptionError, describeValue } from '@taskgraph/core'

/** Options of the `threads` and `processes` executors. */
export interface PoolOptions {
  /**
   * Workers in the pool: tasks run on this many cores at once.
   * @default os.availableParallelism()
   */
  workers?: number
  /**
   * Modules each worker imports before running anything, e.g. one that registers a
   * TypeScript loader or module resolution hooks. URLs or absolute paths.
   */
  preload?: readonly string[]
}

/**
 * Most workers a pool may have. Each is a thread or a process with its own heap: far
 * more than there are cores only costs memory, and a typo (100000) would exhaust it.
 */
export const MAX_WORKERS = 256

/** Validates a `workers` option: a whole number from 1 to `MAX_WORKERS`. */
export function checkWorkers(caller: string, workers: unknown): number {
  if (Number.isInteger(workers) && (workers as number) >= 1 && (workers as number) <= MAX_WORKERS) {
    return workers as number
  }
  throw new InvalidOptionError(
    `${caller}: option "workers" must be a whole number of workers from 1 to ${MAX_WORKERS} (this machine has ${availableParallelism()} cores), got ${describeValue(workers)}.`,
  )
}

/** The machine's parallelism: the default number of workers. */
export function defaultWorkers(): number {
  return availableParallelism()
}
