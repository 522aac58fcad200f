import { findBuffers } from '../wire/buffers.js'
import type { WireOutcome } from '../wire/call.js'
import { refKey, type FunctionRef } from '../wire/function-ref.js'
import type { ReadyMessage } from '../wire/messages.js'

/** A batch aims to hold a worker for about this long, so round trips stay a small share. */
export const BATCH_TARGET_MS = 4
/**
 * A call known to hold a worker this long goes only to an idle worker, and nothing is
 * sent behind it. Sending a second call ahead saves a worker a round trip (well under a
 * millisecond) but fixes the order: a task that gets ready meanwhile, ahead in the
 * scheduler's priority (the next step of a chain), would wait a whole call behind one
 * that could have waited.
 */
export const LONG_CALL_MS = 5 * BATCH_TARGET_MS
/** Bytes of data in a call's inputs or results past which the call is heavy. */
export const HEAVY_BYTES = 1 << 20

/**
 * What a pool has learned of each task function (by its ref): how long a call holds a
 * worker's thread, whether workers are known to find it, and whether its results are
 * heavy. Batching, the work a pool holds and moving data without a copy go by it.
 */
export class FunctionProfile {
  /** Typical milliseconds a call holds a worker's thread. */
  private readonly costs = new WeakMap<FunctionRef, number>()
  /** By `refKey`: a worker reported it when it got ready, or ran it. */
  private readonly reachable = new Set<string>()
  /** Results held much data the last time it ran. */
  private readonly heavyResults = new WeakSet<FunctionRef>()

  /**
   * Expected milliseconds of a call running `refs`, each function not timed yet counted
   * as `untimed` (by default Infinity: the call's cost is unknown).
   */
  costOf(refs: readonly FunctionRef[], untimed = Infinity): number {
    let total = 0
    for (const ref of refs) total += this.costs.get(ref) ?? untimed
    return total
  }

  /** Share of a worker's batch a call is expected to take (1: a batch of its own). */
  weightOf(refs: readonly FunctionRef[]): number {
    return Math.min(1, this.costOf(refs) / BATCH_TARGET_MS)
  }

  /** Whether a worker is known to find every one of `refs`. */
  reachableAll(refs: readonly FunctionRef[]): boolean {
    return refs.every((ref) => this.reachable.has(refKey(ref)))
  }

  /** Whether the last function of a call made heavy results when it last ran. */
  makesHeavy(refs: readonly FunctionRef[]): boolean {
    return this.heavyResults.has(refs[refs.length - 1]!)
  }

  /** Learns from a worker that got ready which functions it finds. */
  found(found: NonNullable<ReadyMessage['found']>): void {
    for (const [url, names] of Object.entries(found)) {
      const seen = new Map<string, number>()
      for (const name of names) {
        const occurrence = seen.get(name) ?? 0
        seen.set(name, occurrence + 1)
        this.reachable.add(
          refKey({ kind: 'origin', origin: { url, name, occurrence }, hash: undefined }),
        )
      }
    }
  }

  /** Learns from the outcome of a call that ran `refs` (its function, then fused steps'). */
  learn(refs: readonly FunctionRef[], outcome: WireOutcome): void {
    const last = refs[refs.length - 1]!
    if (outcome.ok) {
      if (bytesOf(outcome.value) >= HEAVY_BYTES) this.heavyResults.add(last)
      else this.heavyResults.delete(last)
    }
    if (
      outcome.ok ||
      (outcome.failure.kind !== 'unreachable' && outcome.failure.kind !== 'load-failed')
    ) {
      for (const ref of refs) this.reachable.add(refKey(ref))
    }
    const perCall = outcome.blockingMs / refs.length
    const known = this.costs.get(refs[0]!)
    this.costs.set(refs[0]!, known === undefined ? perCall : 0.7 * known + 0.3 * perCall)
  }
}

/** Bytes of a value's binary data, or of the value itself if it is a string. */
export function bytesOf(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return 0
  let bytes = 0
  for (const buffer of findBuffers(value)) bytes += buffer.byteLength
  return bytes
}
