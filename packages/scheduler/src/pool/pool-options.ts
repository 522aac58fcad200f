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

/** Validates a `workers` option: a whole number, 1 or more. */
export function checkWorkers(caller: string, workers: unknown): number {
  if (Number.isInteger(workers) && (workers as number) >= 1) return workers as number
  throw new InvalidOptionError(
    `${caller}: option "workers" must be a whole number of workers, 1 or more, got ${describeValue(workers)}.`,
  )
}

/** The machine's parallelism: the default number of workers. */
export function defaultWorkers(): number {
  return availableParallelism()
}
