import type { CallProblem } from '../wire/clone-check.js'

/**
 * How an executor reports that a call failed for a reason other than the task's own
 * exception. The scheduler turns each into the matching `TaskError` subclass, naming the
 * task; an executor rejects with the task's own error otherwise.
 *
 * Each is named for what happened, ending in `Fault` (a `…Failed` name drops the
 * `Failed`: `WorkerStartFault`, `StepFault`), so that these signals between an
 * executor and the scheduler are never taken for the `…Error` classes users catch.
 */

/**
 * The worker running the call was lost (it exited, crashed or was killed). `shared`:
 * other calls were in it too, so this one is not known to be at fault; `started:
 * false`: the worker had not begun it (it may have died reading it, or of another call).
 */
export class WorkerLostFault extends Error {
  readonly shared: boolean
  readonly started: boolean
  /**
   * The worker ended over a message that could not be read: `'call'`, one it was sent;
   * `'reply'`, one it sent, nested too deeply to be read back (see pool/call-faults.ts).
   */
  readonly unread: 'call' | 'reply' | undefined
  /** A worker process ended by SIGABRT: how Node ends one whose heap is full. */
  readonly aborted: boolean

  constructor(
    detail: string,
    options?: ErrorOptions & {
      shared?: boolean
      started?: boolean
      unread?: 'call' | 'reply' | undefined
      aborted?: boolean
    },
  ) {
    super(detail, options)
    this.shared = options?.shared ?? false
    this.started = options?.started ?? true
    this.unread = options?.unread
    this.aborted = options?.aborted ?? false
  }
}
WorkerLostFault.prototype.name = 'WorkerLostFault'

/**
 * A pool's worker could not find a function that only workers run (a stand-in, see
 * pool/stand-ins.ts): `detail` says why (its module failed to import there, made no such
 * function, or is not the copy described); or, of a fused call, it could not find the
 * function of a step, which runs on the main thread from then on, or the module of a later
 * step had not finished importing within the load timeout. `step`: which function of a
 * fused call. Nothing of the call ran: the run splits a fused call's chain around that
 * step, as `UnsendableStepFault` does before its step, so that it fails (or runs) as a
 * call of its own.
 */
export class UnreachableFault extends Error {
  constructor(
    readonly step: number,
    detail: string,
  ) {
    super(detail)
  }
}
UnreachableFault.prototype.name = 'UnreachableFault'

/**
 * The call ran past its timeout. `how`: `'stopped'` (its worker was ended), `'abandoned'`
 * (an in-process promise no longer waited for) or `'overran'` (a synchronous in-process
 * call that returned only after its time was up: its result is discarded).
 */
export class TimedOutFault extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly how: 'stopped' | 'abandoned' | 'overran',
  ) {
    super(`timed out after ${timeoutMs} ms`)
  }
}
TimedOutFault.prototype.name = 'TimedOutFault'

/**
 * An argument or the result of the call cannot be copied to or from a worker, or (`read`)
 * read back where the call runs.
 */
export class NotSerializableFault extends Error {
  constructor(
    readonly direction: 'argument' | 'result',
    readonly path: string,
    readonly valueType: string,
    /** Why it cannot be copied, when there is more to say than that it does not survive a copy. */
    readonly reason?: string,
    /**
     * For a value that was not to be copied but read back from bytes written elsewhere
     * (a cluster's driver reading a stored input): what failed, in place of a copy to or
     * from a worker, and what to do.
     */
    readonly read?: { readonly failed: string; readonly advice: string },
  ) {
    super(`${path} is ${valueType}`)
  }
}
NotSerializableFault.prototype.name = 'NotSerializableFault'

/**
 * Step `step` (not the first) of a fused call has an argument of its own that cannot be
 * sent to a worker: the call was not sent, and nothing of it ran. The run splits the
 * chain before that step and runs it again, so that the step fails as a call of its own
 * (a `NotSerializableFault` naming its task), after the steps before it have run.
 */
export class UnsendableStepFault extends Error {
  constructor(readonly step: number) {
    super(`step ${step} cannot be sent`)
  }
}
UnsendableStepFault.prototype.name = 'UnsendableStepFault'

/**
 * The fault of a call that cannot be sent for `problem`, in the arguments of its step
 * `step` (0: its own task's): see `UnsendableStepFault` for a later step.
 */
export function argumentFault({
  step,
  problem,
}: CallProblem): NotSerializableFault | UnsendableStepFault {
  if (step > 0) return new UnsendableStepFault(step)
  return new NotSerializableFault('argument', problem.path, problem.type, problem.reason)
}

/**
 * A fused call failed at step `step` (0 is the first task) with `reason`. When the
 * failed step may be retried, `input` carries the previous step's result, which it was
 * given: the retry resumes there instead of running the steps before it again.
 */
export class StepFault extends Error {
  constructor(
    readonly step: number,
    readonly reason: unknown,
    readonly input?: { readonly value: unknown },
  ) {
    super(`step ${step} failed`)
  }
}
StepFault.prototype.name = 'StepFault'

/**
 * Step `step` of a fused call (not its last) returned a graph, `value`: the chain ended
 * there. The run completes the steps up to it, runs the graph for that step, and runs
 * the rest of the chain as calls of their own once it has the graph's result.
 */
export class ReturnedGraphFault extends Error {
  constructor(
    readonly step: number,
    readonly value: unknown,
  ) {
    super(`step ${step} returned a graph`)
  }
}
ReturnedGraphFault.prototype.name = 'ReturnedGraphFault'

/**
 * The call returned a promise that can never settle: while it was pending, nothing was
 * left to run that could settle it (its event loop had no timer, socket or I/O left).
 */
export class StalledFault extends Error {
  constructor() {
    super('its promise can never settle')
  }
}
StalledFault.prototype.name = 'StalledFault'

/**
 * A promise the task made rejected with nothing to handle it, while the call was still
 * running; `reason` is the rejection's.
 */
export class UnhandledRejectionFault extends Error {
  constructor(readonly reason: unknown) {
    super('a promise it made rejected with nothing to handle it')
  }
}
UnhandledRejectionFault.prototype.name = 'UnhandledRejectionFault'

/**
 * A callback the task started on this thread threw with nothing to catch it, while the
 * call was still running; `error` is what it threw.
 */
export class UncaughtExceptionFault extends Error {
  constructor(readonly error: unknown) {
    super('a callback it started threw with nothing to catch it')
  }
}
UncaughtExceptionFault.prototype.name = 'UncaughtExceptionFault'

/** The executor was closed: it takes no more calls, and drops those it had. */
export class ExecutorClosedFault extends Error {
  constructor(readonly whileRunning: boolean) {
    super('the executor is closed')
  }
}
ExecutorClosedFault.prototype.name = 'ExecutorClosedFault'

/**
 * The executor's workers could not start, or could not load a module a call needs: an
 * import that threw, or one that had not finished after `limitMs`. Not a fault of any
 * one task, so it fails the run rather than being retried.
 */
export class WorkerStartFault extends Error {
  constructor(
    detail: string,
    readonly limitMs?: number,
    options?: ErrorOptions & { readonly signal?: string | undefined },
  ) {
    super(detail, options)
    this.signal = options?.signal
  }

  /** The signal that killed the worker while it was starting, if one did. */
  readonly signal: string | undefined
}
WorkerStartFault.prototype.name = 'WorkerStartFault'

/**
 * Code of a module a pool's worker imported threw outside any task there (a timer or a
 * listener its top-level code started), or made a promise that rejected with nothing to
 * handle it: the worker ended, and every worker, importing the same module, would. Not
 * a fault of any one task, so it fails the run rather than being retried. `worker`:
 * `'worker thread'` or `'worker process'`.
 */
export class WorkerModuleFault extends Error {
  constructor(
    readonly error: unknown,
    readonly how: 'exception' | 'rejection',
    readonly worker: string,
  ) {
    super(`code outside any task threw in a ${worker}`, { cause: error })
  }
}
WorkerModuleFault.prototype.name = 'WorkerModuleFault'

/** The executor dropped a call before it started, because the call's run stopped waiting. */
export class DiscardedFault extends Error {
  constructor() {
    super('discarded before it started')
  }
}
DiscardedFault.prototype.name = 'DiscardedFault'

/**
 * The executor cannot go on with the run, for a reason of its own that is no task's
 * fault (a cluster lost its connection to Redis): the run fails with `cause`, a
 * `TaskgraphError` that says what happened and what to do.
 */
export class RunFault extends Error {
  constructor(readonly error: Error) {
    super(error.message, { cause: error })
  }
}
RunFault.prototype.name = 'RunFault'
