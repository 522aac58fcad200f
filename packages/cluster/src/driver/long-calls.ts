import { CallCosts } from '@taskgraph/scheduler/internal'
import type { ModuleFunction } from '../wire/job.js'
import type { SettledOutcome } from './call-outcomes.js'
import type { Pending } from './cluster-run.js'

/**
 * The calls known to hold a worker's thread long (see `CallCosts.isLong`), from what
 * replies say of each function's calls, and how many of them the driver holds, queued
 * or out. As a pool does, the driver takes no more of them than the cluster has threads
 * (`saturated`), sends each in a job of its own, and marks that job so that its worker
 * takes none to wait behind it: what is not taken waits in the scheduler's priority
 * order, and a chain's next step, made ready meanwhile, goes before long tasks that
 * could wait. A function's first calls, not timed yet, are not long.
 */
export class LongCalls {
  private readonly costs = new CallCosts<ModuleFunction>()
  private readonly held = new Set<Promise<unknown>>()

  /** Whether a call of `functions` (its function, then fused steps') is long. */
  isLong(functions: readonly ModuleFunction[]): boolean {
    return this.costs.isLong(functions)
  }

  /** Counts a long call, whose outcome is `result`, as held until it settles. */
  hold(result: Promise<unknown>): void {
    this.held.add(result)
    const settled = (): boolean => this.held.delete(result)
    result.then(settled, settled)
  }

  /** Whether the driver holds as many long calls as the cluster has `threads`. */
  full(threads: number): boolean {
    return this.held.size >= Math.max(1, threads)
  }

  /** Learns what a call of `pending`'s functions cost from its worker's outcome. */
  learn(pending: Pending, outcome: SettledOutcome): void {
    // Only a call that ran to its end says what its function costs.
    if (outcome.ok || outcome.fault.kind === 'threw') {
      this.costs.learn(pending.functions, outcome.ms ?? 0)
    }
  }
}
