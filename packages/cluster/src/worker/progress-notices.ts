import type { StoreEntry } from '../store/result-store.js'
import type { CallOutcome, StoredStep } from '../wire/job.js'

/**
 * How long a call's outcome waits for its job's reply before it is told alone. A job of
 * short calls is told of by its reply; in a job that runs on, what ended is told at this
 * pace, a write each time.
 */
export const OUTCOME_NOTICE_MS = 100

/** What is told of a job while it runs. */
type Notice =
  | { readonly step: StoredStep; readonly entry?: StoreEntry }
  | { readonly outcome: CallOutcome; readonly entry?: StoreEntry }

/** Writes `entries` and a reply of `steps` and `outcomes`; `false` if the run had ended. */
export type Tell = (
  entries: StoreEntry[],
  steps: StoredStep[],
  outcomes: CallOutcome[],
) => Promise<boolean>

/**
 * Tells the driver what ended in a job while the job runs, so that a run stopped midway
 * (cancelled, failed) keeps it: its cache stores those results, and a re-run does not run
 * them again. The steps whose results it asked for (see `JobCall.wanted`) are told as they
 * end; the outcomes of calls once they have waited `OUTCOME_NOTICE_MS` for the job's
 * reply, which carries those that have not. One write at a time, in order (a chain's step
 * before the call's outcome), and what ends while one is written goes with the next, so
 * a chain of short steps costs a few writes.
 */
export class ProgressNotices {
  private waiting: Notice[] = []
  /** Outcomes waiting out their moment. */
  private delayed: Notice[] = []
  private timer: NodeJS.Timeout | undefined
  private telling: Promise<void> = Promise.resolve()
  private busy = false
  /** The calls whose outcomes were told, and their results' keys: the reply leaves them out. */
  readonly toldCalls = new Set<number>()
  readonly toldKeys = new Set<string>()

  constructor(private readonly tell: Tell) {}

  stepEnded(step: StoredStep, entry?: StoreEntry): void {
    this.write([{ step, ...(entry && { entry }) }])
  }

  /** A call of the job ended: `entry` is its result to store. */
  callEnded(outcome: CallOutcome, entry?: StoreEntry): void {
    // A call handed back did not end: it goes again, as the job's reply says.
    if ('handedBack' in outcome) return
    this.delayed.push({ outcome, ...(entry && { entry }) })
    this.timer ??= setTimeout(() => {
      this.timer = undefined
      this.write(this.delayed.splice(0))
    }, OUTCOME_NOTICE_MS)
  }

  /**
   * The job's reply is due: outcomes still waiting out their moment are left to it.
   * Resolves once everything told so far is written (or could not be).
   */
  replyDue(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.delayed = []
    return this.telling
  }

  private write(notices: Notice[]): void {
    this.waiting.push(...notices)
    if (this.busy) return
    this.busy = true
    this.telling = this.telling.then(() => this.drain())
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting
      this.waiting = []
      const entries: StoreEntry[] = []
      const steps: StoredStep[] = []
      const outcomes: CallOutcome[] = []
      for (const notice of batch) {
        if (notice.entry !== undefined) entries.push(notice.entry)
        if ('step' in notice) steps.push(notice.step)
        else outcomes.push(notice.outcome)
      }
      try {
        if (await this.tell(entries, steps, outcomes)) {
          for (const { id } of outcomes) this.toldCalls.add(id)
          for (const { key } of entries) this.toldKeys.add(key)
        }
      } catch {
        // A step notice lost with Redis only leaves a result out of the cache; an outcome
        // not told goes in the job's reply.
      }
    }
    this.busy = false
  }
}
