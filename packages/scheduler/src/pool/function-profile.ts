import { findBuffers } from '../wire/buffers.js'
import type { WireOutcome } from '../wire/call.js'
import { refKey, type FunctionRef } from '../wire/function-ref.js'
import type { ReadyMessage } from '../wire/messages.js'
import { BATCH_TARGET_MS, CallCosts } from './call-costs.js'

/** Bytes of data in a call's inputs or results past which the call is heavy. */
export const HEAVY_BYTES = 1 << 20

/**
 * What a pool has learned of each task function (by its ref): how long a call holds a
 * worker's thread, whether workers are known to find it, and whether its results are
 * heavy. Batching, the work a pool holds and moving data without a copy go by it.
 */
export class FunctionProfile {
  /** Typical milliseconds a call holds a worker's thread. */
  private readonly costs = new CallCosts<FunctionRef>()
  /** By `refKey`: a worker reported it when it got ready, or ran it. */
  private readonly reachable = new Set<string>()
  /** Refs whose key is in `reachable`: a ref's key is a string made anew each time. */
  private readonly reached = new WeakSet<FunctionRef>()
  /** Results held much data the last time it ran. */
  private readonly heavyResults = new WeakSet<FunctionRef>()

  /** Expected milliseconds of a call running `refs` (see `CallCosts.costOf`). */
  costOf(refs: readonly FunctionRef[], untimed = Infinity): number {
    return this.costs.costOf(refs, untimed)
  }

  /** Whether a call running `refs` is known to be long (see `CallCosts.isLong`). */
  isLong(refs: readonly FunctionRef[]): boolean {
    return this.costs.isLong(refs)
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
      for (const ref of refs) {
        if (this.reached.has(ref)) continue
        this.reached.add(ref)
        this.reachable.add(refKey(ref))
      }
    }
    this.costs.learn(refs, outcome.blockingMs)
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
