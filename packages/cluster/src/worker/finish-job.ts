import type { Redis } from 'ioredis'
import { holdKey, repliesKey, resultField, resultsKey, runKey } from '../keys.js'
import type { FileStore } from '../store/file-store.js'
import type { StoreEntry } from '../store/result-store.js'
import { splitEntries } from '../store/tiered-store.js'
import type { JobData } from '../wire/job.js'
import { HOLD_TTL_MS } from '../wire/holds.js'

/** How long a driver's replies wait for it to read them: past this, it is gone. */
const REPLIES_TTL_MS = 60_000

/**
 * Stores a job's results and pushes its reply to the driver in one step, and only while
 * the run is on: a run that ended (or whose driver died) gets nothing more. One script,
 * so a task on a chain costs one round trip to finish. With a hold (`ARGV[3]` its time
 * to live, `KEYS[4]` its key), the job stays open for the calls its results make ready.
 * `KEYS[5]`, unless it is the run's key, is the copy of the calls the job was sent while
 * held (held-jobs.ts): it goes, run on or not.
 *
 * A full Redis (maxmemory reached, noeviction) refuses a script's first command that
 * would take memory, but none after a write (it cannot stop a script halfway). So the
 * results are written first, and refused whole when Redis is full; a reply alone
 * (`PEXPIRE` first) gets through, so the driver hears that they were refused.
 */
const FINISH_JOB = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  if KEYS[5] ~= KEYS[1] then redis.call('DEL', KEYS[5]) end
  return 0
end
if #ARGV > 3 then
  redis.call('HSET', KEYS[2], unpack(ARGV, 4))
else
  redis.call('PEXPIRE', KEYS[3], ARGV[2])
end
if KEYS[5] ~= KEYS[1] then redis.call('DEL', KEYS[5]) end
if ARGV[3] ~= '0' then redis.call('SET', KEYS[4], '1', 'PX', ARGV[3]) end
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return 1
`

interface FinishCommand {
  taskgraphFinishJob(...args: (string | Buffer)[]): Promise<number>
}

export function defineFinishJob(redis: Redis): void {
  redis.defineCommand('taskgraphFinishJob', { numberOfKeys: 5, lua: FINISH_JOB })
}

/** What else finishing a job does (held-jobs.ts): holds it open, deletes calls left for it. */
export interface FinishOptions {
  /** The id of the hold that keeps the job open for more calls. */
  readonly hold?: string | undefined
  /** The key of the copy left in Redis of the calls the job just ran. */
  readonly left?: string | undefined
}

/**
 * Finishes a job: its large results go to the shared directory first (`large`), then
 * the rest, with the reply, to Redis. Resolves `false` if the run had ended (nothing was
 * stored or sent).
 */
export async function finishJob(
  redis: Redis,
  large: FileStore | undefined,
  data: JobData,
  entries: readonly StoreEntry[],
  reply: Buffer,
  { hold, left }: FinishOptions = {},
): Promise<boolean> {
  const split =
    large === undefined ? { large: [], index: entries } : splitEntries(entries, data.limit)
  if (split.large.length > 0) await large!.put(data.run, split.large)
  const args: (string | Buffer)[] = [
    reply,
    String(REPLIES_TTL_MS),
    hold === undefined ? '0' : String(HOLD_TTL_MS),
  ]
  for (const { key, bytes } of split.index) args.push(resultField(key), bytes)
  const done = await (redis as unknown as FinishCommand).taskgraphFinishJob(
    runKey(data.run),
    resultsKey(data.run),
    repliesKey(data.driver),
    hold === undefined ? repliesKey(data.driver) : holdKey(data.run, hold),
    left ?? runKey(data.run),
    ...args,
  )
  // The run ended meanwhile: files written for it would be left behind.
  if (done === 0 && split.large.length > 0) {
    await large!.delete(
      data.run,
      split.large.map((entry) => entry.key),
    )
  }
  return done === 1
}
