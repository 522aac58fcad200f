import type { WireOutcome } from '../wire/call.js'
import type { BatchRunning } from './run-calls.js'

/**
 * How long a batch runs before the outcomes of its calls are told as they end, rather
 * than with its last call's. A batch of short calls is told of by its one `done`; one
 * that runs on (async calls its pool timed as short, beside one that waits long) costs a
 * message each time calls end, those that end together going in one.
 */
export const EARLY_OUTCOMES_MS = 100

/** What an `EarlyOutcomes` tells the pool with. */
export interface Teller {
  /** Resolves once whatever should precede an outcome (the tasks' output) has gone. */
  readonly ready: () => Promise<unknown>
  /** Sends the outcomes of the calls at `calls` (places in the batch). */
  readonly tell: (calls: number[], outcomes: WireOutcome[]) => void
}

/**
 * Tells the pool of a batch's calls that end while others of the batch still run, once
 * the batch has run `EARLY_OUTCOMES_MS`: otherwise an ended call's result would wait for
 * the slowest call of its batch, and its dependents with it, and a run stopped meanwhile
 * (cancelled, or its worker lost) would lose it, its cache with it, and run it again.
 * What the last call's end finds untold goes in the batch's `done` (see `toldCalls`).
 */
export class EarlyOutcomes {
  /** Calls ended and not told yet, by place in the batch. */
  private untold: number[] = []
  /** The calls told. */
  readonly toldCalls = new Set<number>()
  /** Calls that have not ended. */
  private remaining = 0
  private due = false
  private scheduled = false
  private telling: Promise<void> = Promise.resolve()
  private readonly timer: NodeJS.Timeout

  /** Watches `batch`, whose calls have begun and some of which wait: its clock starts. */
  constructor(
    private readonly batch: BatchRunning,
    private readonly teller: Teller,
  ) {
    for (const outcome of batch.outcomes) if (outcome === undefined) this.remaining++
    // Not keeping the worker alive: an event loop that empties has calls that can never
    // end, and ends them (see `endStalledCalls`).
    this.timer = setTimeout(() => this.beDue(), EARLY_OUTCOMES_MS).unref()
  }

  /** The call at `index` ended (see `runCalls`), after it had waited. */
  ended(index: number): void {
    // The last call's end is told by the batch's `done`, with whatever is untold.
    if (--this.remaining === 0) {
      clearTimeout(this.timer)
      return
    }
    if (!this.due) return
    this.untold.push(index)
    this.schedule()
  }

  /** Resolves once every early message begun is sent: the batch's `done` goes after them. */
  settled(): Promise<void> {
    return this.telling
  }

  private beDue(): void {
    this.due = true
    this.batch.outcomes.forEach((outcome, index) => {
      if (outcome !== undefined) this.untold.push(index)
    })
    if (this.untold.length > 0) this.schedule()
  }

  /** Tells what is untold once the output before it has gone: what ends meanwhile joins it. */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    this.telling = this.telling
      .then(() => this.teller.ready())
      .then(() => {
        this.scheduled = false
        // The batch ended meanwhile: its `done` carries them.
        if (this.remaining === 0 || this.untold.length === 0) return
        const calls = this.untold
        this.untold = []
        const { outcomes } = this.batch
        this.teller.tell(
          calls,
          calls.map((index) => outcomes[index]!),
        )
        for (const index of calls) this.toldCalls.add(index)
      })
      .catch(() => {
        // A channel gone: the worker is ending, and the pool counts what it did not hear.
      })
  }
}
