import type { TaskCall } from '../executors/executor.js'
import { findBuffers, movableBuffers } from '../wire/buffers.js'
import { HEAVY_BYTES, type FunctionProfile } from './function-profile.js'
import { argumentFunctions } from './main-thread.js'
import { ownedBytes, type Pending } from './pending-call.js'

/**
 * Which buffers a worker thread may take instead of a copy. A buffer moves only when no
 * one else can be holding it: it came whole from a worker, as part of the very value
 * the scheduler now hands over as `owned` (a result of this run that only this call
 * still needs), and no task on the main thread has seen it (it could have kept it).
 * Moving empties the sender's copy, so a call that may be sent again (a retry, a rerun
 * after a batch-mate lost its worker) never takes its inputs.
 */
export class BufferMoves {
  /** Buffers that arrived from a worker, with the result value that held them. */
  private readonly producedBy = new WeakMap<ArrayBuffer, object>()
  /** Buffers a main-thread task has seen. */
  private readonly seenOnMain = new WeakSet<ArrayBuffer>()
  /** Arguments whose buffers are in `seenOnMain`: walked once, however many tasks take them. */
  private readonly walked = new WeakSet<object>()
  /** Whether any buffer came from a worker: until one has, none can move. */
  private producedAny = false

  /** Records the buffers of a result that came from a worker thread. */
  received(value: unknown): void {
    if (typeof value !== 'object' || value === null) return
    for (const buffer of movableBuffers(value)) {
      this.producedBy.set(buffer, value)
      this.producedAny = true
    }
  }

  /**
   * Records the buffers a task running on the main thread is given. Only buffers that
   * came from workers before it ran can be among them, and an argument already walked is
   * not walked again: the 3,000 tasks that each take one piece of a merged result (a
   * bag's `frequencies`) walked the whole of it each, 3,000 times.
   */
  seenHere(args: unknown[]): void {
    if (!this.producedAny) return
    for (const arg of args) {
      if (typeof arg !== 'object' || arg === null || this.walked.has(arg)) continue
      this.walked.add(arg)
      findBuffers(arg, this.seenOnMain)
    }
  }

  /**
   * The buffers `call` may take: only on its last attempt, alone in its batch, and when
   * its function is known to run in workers (so it cannot come back to run here).
   */
  movable(call: TaskCall): ArrayBuffer[] {
    if (!call.lastAttempt || call.steps !== undefined || call.owned === undefined) return []
    const moves: ArrayBuffer[] = []
    for (const owned of call.owned) {
      for (const buffer of findBuffers(owned.value)) {
        if (this.producedBy.get(buffer) === owned.value && !this.seenOnMain.has(buffer)) {
          moves.push(buffer)
        }
      }
    }
    return moves
  }
}

/**
 * Whether `pending`, alone in its batch, is sent for good: a call with heavy inputs, on
 * its last attempt, whose functions a worker is known to find (none passed as
 * arguments), cannot come back to be sent again. It may then take its inputs instead of
 * a copy (threads), and the scheduler may let go of them once it is sent.
 */
export function sentForGood(pending: Pending, profile: FunctionProfile): boolean {
  const { call } = pending
  return (
    ownedBytes(call) >= HEAVY_BYTES &&
    call.lastAttempt &&
    call.steps === undefined &&
    argumentFunctions(call).size === 0 &&
    profile.reachableAll(pending.refs)
  )
}

/** Once `pending` is sent for good: neither the scheduler nor the pool keeps its inputs. */
export function letGoOfInputs(pending: Pending): void {
  pending.call.releaseOwned()
  // Keep no reference to its arguments either: they are in the worker now.
  pending.call = { ...pending.call, args: [], owned: [] }
  pending.sentFinal = true
}
