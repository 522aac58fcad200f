import { NoSchedulerError } from './errors.js'

/**
 * Options of `compute`. Declared empty here and filled in by `@taskgraph/scheduler`
 * through declaration merging: the graph model does not know how graphs are run.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ComputeOptions {}

/** Runs graphs: what `@taskgraph/scheduler` registers when it is imported. */
export interface Scheduler {
  /** Computes `targets` (values that may hold `Delayed`) and resolves with their results. */
  compute(caller: string, targets: readonly unknown[], options?: ComputeOptions): Promise<unknown[]>
}

/** This copy's scheduler: the one that imported this copy of the package. */
let registered: Scheduler | undefined

/**
 * The scheduler registered last by any copy of taskgraph in the process, for the values
 * of a copy that no scheduler imported: a library that builds graphs with its own copy
 * of `@taskgraph/core` is computed by the application's scheduler. Any scheduler can run
 * them, since every copy recognises lazy values by their brand (see lazy/brand.ts); a copy
 * with a scheduler of its own keeps it.
 */
const SHARED = Symbol.for('taskgraph.scheduler')
const shared = globalThis as { [SHARED]?: Scheduler }

/**
 * Installs the scheduler behind `Delayed#compute` and `Delayed#persist`. The core package
 * never imports the scheduler; the scheduler calls this when it is loaded.
 */
export function registerScheduler(scheduler: Scheduler): void {
  registered = scheduler
  shared[SHARED] = scheduler
}

/** @internal */
export function computeTargets(
  caller: string,
  targets: readonly unknown[],
  options: ComputeOptions | undefined,
): Promise<unknown[]> {
  const scheduler = registered ?? shared[SHARED]
  if (scheduler === undefined) {
    return Promise.reject(
      new NoSchedulerError({
        message:
          `${caller}: no scheduler is loaded, so nothing can run the graph. ` +
          "Import from 'taskgraph' (or import '@taskgraph/scheduler') before computing.",
      }),
    )
  }
  return scheduler.compute(caller, targets, options)
}
