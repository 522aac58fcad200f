import type { TaskCall } from '../executors/executor.js'
import type { WireStepResult } from '../wire/call.js'
import { errorText } from '@taskgraph/core/internal'

/**
 * Calls recently sent to workers, by the id their worker knows them by: a worker reports
 * a rejection nothing handled that came after a call's outcome (`LateMessage`) by that
 * id, and the results of steps a call asked for (`StepMessage`), before its outcome. Bounded: a report about a call older than the last `limit` is dropped, with a
 * warning, rather than every call ever sent being remembered.
 *
 * Ids grow by one per call sent, so call `id` is kept in slot `id % limit` until a call
 * `limit` ids later takes the slot: a ring, in flat arrays, with nothing made per call
 * (a fan-out of tiny tasks sends thousands of calls a second).
 */
export class RecentCalls {
  private readonly ids: number[] = []
  private readonly reporters: TaskCall['lateFailure'][] = []
  private readonly stepResults: TaskCall['stepResult'][] = []

  constructor(private readonly limit = 65_536) {}

  add(id: number, call: Pick<TaskCall, 'lateFailure' | 'stepResult'>): void {
    const slot = id % this.limit
    this.ids[slot] = id
    // Only what a late report needs: the call itself would keep its arguments alive.
    this.reporters[slot] = call.lateFailure
    this.stepResults[slot] = call.stepResult
  }

  /** Hands the result of a step of call `id` that it asked for to its run. */
  step(id: number, result: WireStepResult): void {
    const slot = id % this.limit
    if (this.ids[slot] === id) this.stepResults[slot]?.(result.step, result)
  }

  /**
   * Call `id` has its outcome: no step result comes after it (its worker sends them
   * first), and what they went to (its run, or a cluster worker's job with its
   * arguments) must not stay alive here until the slot is taken.
   */
  settled(id: number): void {
    const slot = id % this.limit
    if (this.ids[slot] === id) this.stepResults[slot] = undefined
  }

  /** Hands a late failure of call `id` to its run. */
  late(id: number, error: unknown, how: 'rejection' | 'worker-exception' = 'rejection'): void {
    const slot = id % this.limit
    if (this.ids[slot] === id) {
      this.reporters[slot]!(error, how)
      return
    }
    process.emitWarning(
      how === 'rejection'
        ? `a task made a promise that rejected with nothing to handle it, long after it ran: ${errorText(error)}`
        : `a callback a task left behind threw with nothing to catch it, long after the task ran, and ended its worker: ${errorText(error)}`,
      {
        code:
          how === 'rejection' ? 'TASKGRAPH_UNHANDLED_REJECTION' : 'TASKGRAPH_UNCAUGHT_EXCEPTION',
      },
    )
  }
}
