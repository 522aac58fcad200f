/** How long synchronous tasks may hold the event loop before the run yields to it. */
const YIELD_AFTER_MS = 16
/** Most launches between two looks at the clock, for graphs of tiny tasks. */
const MAX_CLOCK_EVERY = 256

/**
 * When a run that launches tasks one after another on this thread should give the event
 * loop a turn (timers, I/O, signals, progress displays). The clock is read after every
 * launch while tasks are slow, and up to every MAX_CLOCK_EVERY launches while they are
 * tiny, so reading it never costs much against the tasks themselves.
 */
export class YieldClock {
  private lastYield = performance.now()
  private lastLook = this.lastYield
  private every = 1
  private since = 0

  /** Called after each launch: whether the run has held the thread long enough. */
  due(): boolean {
    if (++this.since < this.every) return false
    this.since = 0
    const now = performance.now()
    this.every = now - this.lastLook < 1 ? Math.min(this.every * 2, MAX_CLOCK_EVERY) : 1
    this.lastLook = now
    return now - this.lastYield > YIELD_AFTER_MS
  }

  /** The event loop had a turn. */
  yielded(): void {
    this.lastYield = performance.now()
  }
}
