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

/**
 * How long a call of each function holds a worker's thread, as learned from calls that
 * ran: the time the thread was busy, not time a call spent waiting on I/O. By whatever
 * names a function where the calls are weighed (a pool's refs, a driver's functions).
 */
export class CallCosts<Fn extends object> {
  readonly #costs = new WeakMap<Fn, number>()

  /**
   * Expected milliseconds of a call running `fns` (its function, then fused steps'),
   * each function not timed yet counted as `untimed` (by default Infinity: the call's
   * cost is unknown).
   */
  costOf(fns: readonly Fn[], untimed = Infinity): number {
    let total = 0
    for (const fn of fns) total += this.#costs.get(fn) ?? untimed
    return total
  }

  /**
   * Whether a call of `fns` is known to hold its thread `LONG_CALL_MS` or more. A call
   * of a function not timed yet is not: an async function's first calls still overlap.
   */
  isLong(fns: readonly Fn[]): boolean {
    return this.costOf(fns, 0) >= LONG_CALL_MS
  }

  /** Learns from a call of `fns` that held its thread `blockingMs`. */
  learn(fns: readonly Fn[], blockingMs: number): void {
    const perCall = blockingMs / fns.length
    const known = this.#costs.get(fns[0]!)
    this.#costs.set(fns[0]!, known === undefined ? perCall : 0.7 * known + 0.3 * perCall)
  }
}
