// Notices to a driver that calls began on a cluster worker, sent only for calls that
// outlast a moment: a chain of short tasks is told of once each, by its outcome.
import type { Redis } from 'ioredis'
import { packReply, type CallOutcome, type JobData } from '../wire/job.js'
import { finishJob } from './finish-job.js'

/** How long a call runs before the driver is told it began. */
const START_NOTICE_MS = 20

/**
 * Tells the driver a call began (its progress counts it as running from then on), if
 * it is still running a moment later: calls that end sooner are told of once, by their
 * outcome, which spares a chain of short tasks a message each. Starts within the moment
 * go in one message, ahead of their outcomes (commands on a connection keep their order).
 */
export class StartNotices {
  /** Starts not yet told (call id: when it began), by driver and run. */
  private readonly starts = new Map<string, Map<number, number>>()

  constructor(
    private readonly redis: Redis,
    /** The worker's name, as replies give it. */
    private readonly worker: string,
  ) {}

  /** Call `id` of a job (`data`) began on the pool. */
  started(data: JobData, id: number): void {
    const key = `${data.driver} ${data.run}`
    let ids = this.starts.get(key)
    if (ids === undefined) {
      this.starts.set(key, (ids = new Map<number, number>()))
      const told = ids
      setTimeout(() => {
        this.starts.delete(key)
        if (told.size === 0) return
        const now = performance.now()
        const reply = packReply({
          worker: this.worker,
          outcomes: [],
          started: [...told.keys()],
          // The driver's hooks date each start back to when it was.
          startedAgo: [...told.values()].map((at) => Math.round(now - at)),
        })
        void finishJob(this.redis, undefined, data, [], reply).catch(() => {})
      }, START_NOTICE_MS)
    }
    ids.set(id, performance.now())
  }

  /** Calls that ended need no notice of their start: their outcome says it all. */
  ended(data: JobData, outcomes: readonly CallOutcome[]): void {
    const ids = this.starts.get(`${data.driver} ${data.run}`)
    if (ids !== undefined) for (const outcome of outcomes) ids.delete(outcome.id)
  }
}
