import type { Redis } from 'ioredis'
import { followChannel, followKey, holdKey, resultField, resultsKey } from '../keys.js'
import { HOLD_MS, HOLD_TTL_MS } from '../wire/holds.js'
import type { ClusterRun } from './cluster-run.js'

/** A job a worker holds open for more calls of a run, as its reply offered it. */
export interface HeldJob {
  readonly job: string
  /** The hold's id (one per time the job is held). */
  readonly hold: string
  readonly worker: string
  /** When the offer was read: it lapses `HOLD_MS` after the worker made it. */
  readonly at: number
}

/**
 * Takes a hold and leaves the calls for its worker in one step, so that either the
 * worker takes them or the driver knows they were not left (the hold had ended): then
 * they go as a job of their own. The calls go to the worker on its channel too, which
 * spares it a round trip; what is left is for a word lost on the way. Results the run
 * no longer needs (`ARGV[5]` on) are deleted in the same step, hold or not: a chain's
 * hop then costs the driver one command.
 */
const FOLLOW_UP = `
if #ARGV > 4 then redis.call('HDEL', KEYS[3], unpack(ARGV, 5)) end
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[2], ARGV[4] .. ' ' .. ARGV[1])
return 1
`

interface FollowUpCommand {
  taskgraphFollowUp(
    hold: string,
    follow: string,
    results: string,
    ...args: string[]
  ): Promise<number>
}

/**
 * The driver's side of held jobs (see worker/held-jobs.ts): the offers workers' replies
 * make, and sending calls to them. The latest offer goes first: its worker holds the
 * results that made the calls ready, and is the likeliest to wait still.
 */
export class JobHolds {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('taskgraphFollowUp', { numberOfKeys: 3, lua: FOLLOW_UP })
  }

  offered(run: ClusterRun, held: Omit<HeldJob, 'at'>): void {
    run.offers.push({ ...held, at: performance.now() })
  }

  /** The latest offer of `run` that has not lapsed; lapsed ones are dropped. */
  take(run: ClusterRun): HeldJob | undefined {
    const now = performance.now()
    for (let offer = run.offers.pop(); offer !== undefined; offer = run.offers.pop()) {
      if (now - offer.at < HOLD_MS) return offer
    }
    return undefined
  }

  /**
   * Leaves `batch` for `held`'s worker, and deletes the stored results `released`;
   * `false` if the hold had ended (the results are deleted all the same).
   */
  async send(
    run: ClusterRun,
    held: HeldJob,
    batch: string,
    released: readonly string[],
  ): Promise<boolean> {
    const follow = followKey(run.id, held.hold)
    const taken = await (this.redis as unknown as FollowUpCommand).taskgraphFollowUp(
      holdKey(run.id, held.hold),
      follow,
      resultsKey(run.id),
      batch,
      followChannel(held.worker),
      String(HOLD_TTL_MS),
      held.hold,
      ...released.map(resultField),
    )
    if (taken !== 1) return false
    const now = performance.now()
    const { follows } = run
    while (follows.length > 0 && now - follows[0]!.at > HOLD_TTL_MS) follows.shift()
    follows.push({ key: follow, at: now })
    return true
  }

  /**
   * Ends the holds a run still had on offer, and tells their workers at once (a batch
   * of no calls): each completes its job now rather than when its wait lapses, and the
   * run, which ends once its jobs are gone, ends sooner. Deletes the copies of calls
   * sent lately, which a worker lost while running them would have left.
   */
  async end(run: ClusterRun): Promise<void> {
    const offers = run.offers.splice(0)
    const keys = [
      ...offers.map((offer) => holdKey(run.id, offer.hold)),
      ...run.follows.splice(0).map((follow) => follow.key),
    ]
    if (keys.length === 0) return
    // Not a transaction: a full Redis refuses every command queued in one.
    const ending = this.redis.pipeline().del(...keys)
    for (const offer of offers) ending.publish(followChannel(offer.worker), `${offer.hold} `)
    await ending.exec()
  }
}
