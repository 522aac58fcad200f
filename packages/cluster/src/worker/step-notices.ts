import type { StoreEntry } from '../store/result-store.js'
import type { StoredStep } from '../wire/job.js'

/**
 * Tells the driver of the steps whose results it asked for (see `JobCall.wanted`) as they
 * end, so that a run stopped midway keeps them: one at a time, in order, and those that
 * end while one is being told go together, so a chain of short steps costs a few writes.
 */
export class StepNotices {
  private waiting: { readonly notice: StoredStep; readonly entry?: StoreEntry }[] = []
  private telling: Promise<void> = Promise.resolve()
  private busy = false

  /** `tell` writes the entries and the notices (as a reply) to Redis. */
  constructor(
    private readonly tell: (entries: StoreEntry[], notices: StoredStep[]) => Promise<unknown>,
  ) {}

  add(notice: StoredStep, entry?: StoreEntry): void {
    this.waiting.push({ notice, ...(entry && { entry }) })
    if (this.busy) return
    this.busy = true
    this.telling = this.telling.then(() => this.drain())
  }

  /** Resolves once every notice added so far has been told (or could not be). */
  told(): Promise<void> {
    return this.telling
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting
      this.waiting = []
      const entries = batch.flatMap(({ entry }) => (entry === undefined ? [] : [entry]))
      // A notice lost with Redis only leaves a result out of the cache.
      await this.tell(
        entries,
        batch.map(({ notice }) => notice),
      ).catch(() => undefined)
    }
    this.busy = false
  }
}
