import type { Redis } from 'ioredis'
import { followKey, holdKey } from '../keys.js'
import { HOLD_MS } from '../wire/holds.js'

/**
 * Ends a hold: deletes it, unless the driver took it already, in which case its calls
 * are in the list (the driver wrote both at once) and are returned.
 */
const RELEASE = `
if redis.call('DEL', KEYS[1]) == 1 then return false end
return redis.call('LPOP', KEYS[2])
`

interface ReleaseCommand {
  taskgraphRelease(hold: string, follow: string): Promise<string | null>
}

/** Calls a held job was sent; `left`: the key of their copy left in Redis, if any. */
export interface Taken {
  readonly batch: string
  readonly left?: string
}

/** Words that came before their wait began, kept for so many holds at most. */
const EARLY_KEPT = 64

/**
 * The jobs a worker holds open, waiting for calls from their driver. The driver takes a
 * hold and leaves the calls in one step, then sends them on the worker's channel: the
 * worker runs them as they come, and deletes what was left. If the word does not come
 * in time, the worker ends the hold and takes whatever the driver left first: both are
 * atomic in Redis, so calls are never left behind nor taken twice. Each hold has an id
 * of its own, so a word that comes late is never taken for a later hold's.
 */
export class HeldJobs {
  private next = 0
  private readonly waiting = new Map<string, (batch: string) => void>()
  /** Calls whose word came before their wait began (the driver answered that fast). */
  private readonly early = new Map<string, string>()

  constructor(
    private readonly redis: Redis,
    private readonly worker: string,
  ) {
    redis.defineCommand('taskgraphRelease', { numberOfKeys: 2, lua: RELEASE })
  }

  /** A new hold's id, unique in this worker. */
  hold(job: string): string {
    return `${job}.${this.worker}.${this.next++}`
  }

  /**
   * A message on the worker's channel: the calls the driver sent to hold `hold`, or no
   * calls (an empty batch) when the driver ended the hold with its run.
   */
  told(message: string): void {
    const space = message.indexOf(' ')
    if (space < 0) return
    const hold = message.slice(0, space)
    const batch = message.slice(space + 1)
    const wake = this.waiting.get(hold)
    if (wake !== undefined) wake(batch)
    else {
      this.early.set(hold, batch)
      if (this.early.size > EARLY_KEPT) this.early.delete(this.early.keys().next().value!)
    }
  }

  /** Ends every wait now (the worker is stopping): each ends its hold. */
  endAll(): void {
    for (const wake of this.waiting.values()) wake('')
  }

  /**
   * Waits up to `HOLD_MS` (less if `signal` aborts) for calls sent to `hold`: their
   * batch (as a job's `batch`), or `undefined`. Calls that came on the channel were also
   * left in Redis for a lost word: `left` names that copy, which the caller deletes (with
   * the calls' results, finish-job.ts, so that a hop costs no command of its own).
   */
  async take(run: string, hold: string, signal: AbortSignal): Promise<Taken | undefined> {
    const follow = followKey(run, hold)
    const told = this.early.get(hold) ?? (await this.wait(hold, signal))
    this.early.delete(hold)
    if (told !== '') return { batch: told, left: follow }
    const left = await (this.redis as unknown as ReleaseCommand).taskgraphRelease(
      holdKey(run, hold),
      follow,
    )
    return left === null ? undefined : { batch: left }
  }

  /** The batch told for `hold` within `HOLD_MS`, or `''`. */
  private wait(hold: string, signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve) => {
      const end = (batch: string): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', stop)
        this.waiting.delete(hold)
        resolve(batch)
      }
      const stop = (): void => end('')
      const timer = setTimeout(stop, HOLD_MS)
      signal.addEventListener('abort', stop, { once: true })
      if (signal.aborted) stop()
      else this.waiting.set(hold, end)
    })
  }
}
