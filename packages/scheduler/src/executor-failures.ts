/**
 * How an executor reports that a call failed for a reason other than the task's own
 * exception. The scheduler turns each into the matching `TaskError` subclass, naming the
 * task; an executor rejects with the task's own error otherwise.
 */

/** The worker running the call was lost (it exited, crashed or was killed). */
export class WorkerLost extends Error {
  constructor(detail: string, options?: ErrorOptions) {
    super(detail, options)
  }
}
WorkerLost.prototype.name = 'WorkerLost'

/** The call ran past its timeout; `stopped` says whether it was actually stopped. */
export class TimedOut extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly stopped: boolean,
  ) {
    super(`timed out after ${timeoutMs} ms`)
  }
}
TimedOut.prototype.name = 'TimedOut'

/** An argument or the result of the call cannot be copied to or from a worker. */
export class NotSerializable extends Error {
  constructor(
    readonly direction: 'argument' | 'result',
    readonly path: string,
    readonly valueType: string,
    /** Why it cannot be copied, when there is more to say than that it does not survive a copy. */
    readonly reason?: string,
  ) {
    super(`${path} is ${valueType}`)
  }
}
NotSerializable.prototype.name = 'NotSerializable'

/** A fused call failed at step `step` (0 is the first task) with `reason`. */
export class StepFailed extends Error {
  constructor(
    readonly step: number,
    readonly reason: unknown,
  ) {
    super(`step ${step} failed`)
  }
}
StepFailed.prototype.name = 'StepFailed'

/** The executor dropped a queued call before it started (`discardPending`). */
export class Discarded extends Error {
  constructor() {
    super('discarded before it started')
  }
}
Discarded.prototype.name = 'Discarded'
