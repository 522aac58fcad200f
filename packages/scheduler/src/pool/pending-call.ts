import type { TaskCall } from '../executors/executor.js'
import type { FunctionRef } from '../wire/function-ref.js'
import { bytesOf } from './function-profile.js'

/** A call handed to a pool executor, from then until it settles. */
export interface Pending {
  call: TaskCall
  /** Refs of the call's function, then of each fused step's. */
  readonly refs: readonly FunctionRef[]
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** Share of a worker's batch this call is expected to take (1: a batch of its own). */
  readonly weight: number
  /** Its inputs or its results hold much data (see `runsAlone`). */
  readonly heavy: boolean
  /** It is known to hold its worker long (see `runsAlone`). */
  readonly long: boolean
  /** Run alone: its batch was lost, so it must prove itself on its own. */
  isolate: boolean
  /** Times its worker was lost before it began it (see `afterLoss`). */
  lostUnbegun?: number
  /** Sent for good: the scheduler let go of its inputs, so it can never be sent again. */
  sentFinal?: boolean
}

/**
 * Whether a call goes to an idle worker, in a batch of its own: a call with a timeout
 * (its clock starts when it is sent, and must not run while it waits behind another
 * batch), a call on trial after a lost batch, and a retry (its last attempt may have
 * ended its worker): neither must share another call's worker, and so its fate. And a
 * call with heavy inputs: alone in its batch, on its last attempt, it may take them
 * instead of a copy, and they leave this thread as soon as it is sent. A call that
 * makes heavy results goes alone too: a worker then holds one such result at a time.
 * And a long call (see `CallCosts.isLong`): nothing waits behind it in its worker.
 */
export function runsAlone(pending: Pending): boolean {
  return (
    pending.isolate ||
    pending.heavy ||
    pending.long ||
    pending.call.options.timeout !== undefined ||
    pending.call.attempt > 1
  )
}

/** Bytes of data in the inputs only this call still needs. */
export function ownedBytes(call: TaskCall): number {
  let bytes = 0
  for (const owned of call.owned ?? []) bytes += bytesOf(owned.value)
  return bytes
}
