import {
  ExecutorClosedFault,
  NotSerializableFault,
  StalledFault,
  TimedOutFault,
  UnhandledRejectionFault,
  WorkerLostFault,
  WorkerModuleFault,
  argumentFault,
} from '../executors/executor-faults.js'
import type { WireFailure } from '../wire/call.js'
import { findCallProblem, findCloneProblem, type CallProblem } from '../wire/clone-check.js'
import { fromWireError } from '../wire/remote-error.js'
import type { Pending } from './pending-call.js'

// What a worker's report of a failed call, or the loss of a batch, means for the calls
// concerned, as the faults the scheduler knows (executor-faults.ts).

/** The reason a call failed in its worker with `failure` (one the call itself is charged with). */
export function faultOf(
  failure: Exclude<
    WireFailure,
    { kind: 'unreachable' } | { kind: 'load-failed' } | { kind: 'returned-graph' }
  >,
): unknown {
  switch (failure.kind) {
    case 'threw':
      return fromWireError(failure.error)
    case 'not-serializable':
      return new NotSerializableFault('result', failure.path, failure.type, failure.reason)
    case 'stalled':
      return new StalledFault()
    case 'unhandled-rejection':
      return new UnhandledRejectionFault(fromWireError(failure.error))
  }
}

/**
 * Times a call's worker may be lost before it began the call: then the call fails with
 * a `WorkerLostFault`, rather than kill workers for ever (as a cluster's `MAX_STARTS`).
 */
export const MAX_UNBEGUN_LOSSES = 3

/** What becomes of the calls of a batch that did not come back. */
export type AfterLoss =
  /** The executor is closed: each fails with an `ExecutorClosedFault`. */
  | { readonly kind: 'closed' }
  /** Code outside any task ends every worker: each fails with `reason`. */
  | { readonly kind: 'broken'; readonly reason: WorkerModuleFault }
  /** The one call of the batch fails with `reason`. */
  | { readonly kind: 'fail'; readonly reason: unknown }
  /**
   * They go back to the front of the queue; `isolate`: each to run alone; `unbegun`:
   * their worker was lost before it began them (counted in `Pending.lostUnbegun`).
   */
  | { readonly kind: 'requeue'; readonly isolate: boolean; readonly unbegun?: boolean }

/** How to carry on after the batch `sent` failed with `error` as a whole. */
export function afterLoss(
  sent: readonly Pending[],
  error: unknown,
  at: { readonly closed: boolean; readonly sameProcess: boolean },
): AfterLoss {
  // Before the executor's closing: the module ended the batch's worker, with every other
  // worker of its pool, before any close did.
  if (error instanceof WorkerModuleFault) return { kind: 'broken', reason: error }
  if (at.closed || error instanceof ExecutorClosedFault) {
    return { kind: 'closed' }
  }
  if (error instanceof TimedOutFault) return { kind: 'fail', reason: error }
  if (!(error instanceof WorkerLostFault)) {
    // Sending failed: some call's data could not be copied. Find which, alone.
    if (sent.length > 1) return { kind: 'requeue', isolate: true }
    const found = copyProblem(sent[0]!, at.sameProcess)
    if (found !== undefined) {
      return { kind: 'fail', reason: argumentFault(found) }
    }
    const detail = error instanceof Error ? error.message : String(error)
    return {
      kind: 'fail',
      reason: new NotSerializableFault(
        'argument',
        'args',
        'a value that cannot be copied',
        `(${detail})`,
      ),
    }
  }
  // Not begun: the worker died of another call, or outside, or reading this batch (its
  // arguments nested too deeply, or too large for a worker's memory), which would kill
  // every worker it went to. Each call goes again alone, if it still can be sent, and
  // one lost so MAX_UNBEGUN_LOSSES times fails.
  if (!error.started && sent.every((pending) => pending.sentFinal !== true)) {
    // A call its worker could not read, nested deeper than a copy can go: another worker
    // could not read it either (a process reads back less deeply than this one writes).
    if (error.unread === 'call' && sent.length === 1) {
      const found = copyProblem(sent[0]!, at.sameProcess)
      if (found !== undefined) {
        return { kind: 'fail', reason: argumentFault(found) }
      }
    }
    const losses = (sent[0]!.lostUnbegun ?? 0) + 1
    if (sent.length > 1 || losses < MAX_UNBEGUN_LOSSES) {
      return { kind: 'requeue', isolate: true, unbegun: true }
    }
    return {
      kind: 'fail',
      reason: new WorkerLostFault(
        `${error.message} before it began the call, ${losses} times in all: reading the call's arguments may end it (data nested too deeply, or too large for a worker's memory)`,
      ),
    }
  }
  // One of them killed the worker; run each alone to find which, and let the rest finish.
  if (sent.length > 1 || error.shared) return { kind: 'requeue', isolate: true }
  // Its result, nested too deeply for this process to read back: it would be again.
  if (error.unread === 'reply') {
    return {
      kind: 'fail',
      reason: new NotSerializableFault(
        'result',
        'the result',
        'data nested too deeply to be read back',
        'which runs this process out of stack as it reads it (RangeError: Maximum call stack size exceeded). Return data nested less deeply (a list of items rather than a linked list, for one)',
      ),
    }
  }
  return { kind: 'fail', reason: error }
}

/**
 * What in `pending`'s arguments, or a fused step's, a copy fails on, data nested too
 * deeply included: as `WireBatch.add` reports it, by step.
 */
function copyProblem(pending: Pending, sameProcess: boolean): CallProblem | undefined {
  const check = { sameProcess, afterFailure: true }
  return findCallProblem(pending.call.args, pending.call.steps, (args) =>
    findCloneProblem(args, 'args', check),
  )
}
