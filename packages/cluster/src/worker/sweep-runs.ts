// What runs of dead drivers leave behind, cleared by whichever worker sweeps first: a
// driver that dies cannot end its runs, and their results would fill Redis and the shared
// directory.
import type { Redis } from 'ioredis'
import { ENDED_CHANNEL, RUNS, resultsKey, runKey } from '../keys.js'
import type { FileStore } from '../store/file-store.js'

/**
 * Runs whose record expired (their driver died): their results and files go, and every
 * worker stops their calls (announced as the driver would have: the first worker to
 * sweep a run takes it off the list, so the others never see it).
 */
export async function sweepEndedRuns(redis: Redis, large: FileStore | undefined): Promise<void> {
  const runs = await redis.smembers(RUNS)
  for (const run of runs) {
    if ((await redis.exists(runKey(run))) === 1) continue
    // Not a transaction: a full Redis refuses every command queued in one, and this
    // frees what fills it.
    await redis.pipeline().del(resultsKey(run)).srem(RUNS, run).publish(ENDED_CHANNEL, run).exec()
    await large?.clear(run)
  }
}
