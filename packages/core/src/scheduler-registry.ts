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

let registered: Scheduler | undefined

/**
 * Installs the scheduler behind `Delayed#compute` and `Delayed#persist`. The core package
 * never imports the scheduler; the scheduler calls this when it is loaded.
 */
export function registerScheduler(scheduler: Scheduler): void {
  registered = scheduler
}

/** @internal */
export function computeTargets(
  caller: string,
  targets: readonly unknown[],
  options: ComputeOptions | undefined,
): Promise<unknown[]> {
  if (registered === undefined) {
    return Promise.reject(
      new NoSchedulerError(
        `${caller}: no scheduler is loaded, so nothing can run the graph. ` +
          "Import from 'taskgraph' (or import '@taskgraph/scheduler') before computing.",
      ),
    )
  }
  return registered.compute(caller, targets, options)
}
