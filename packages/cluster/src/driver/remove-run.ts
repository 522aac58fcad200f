import type { Queue } from 'bullmq'
import type { Redis } from 'ioredis'
import { ENDED_CHANNEL, RUNS, runKey } from '../keys.js'
import type { ResultStore } from '../store/result-store.js'
import { failureText } from '../redis-refusals.js'

/** A run's record lives this long unless its driver renews it (a third of it, each time). */
export const RUN_TTL_MS = 15_000
/**
 * Most time the end of a run waits for Redis to remove what the run left: with what
 * follows when Redis does not answer (nothing: see `removeRun`), a cancelled run ends
 * within 2 s.
 */
const CLEANUP_MS = 1500

/**
 * Removes what a run wrote: its record first (from then on workers store nothing more
 * for it) as it tells the workers, which stop its calls still running; then its results
 * and its jobs still waiting; and last its place among the runs. Bounded in time: a run
 * must end even if Redis is gone. What is left then, or when this process is killed on
 * the way (a second Ctrl-C), goes as soon as a worker sweeps it: a run listed without a
 * record has ended. Resolves to whether Redis answered: if it did not (gone, or silent),
 * whatever else the end of a run would ask of it is not waited for.
 */
export async function removeRun(
  redis: Redis,
  store: ResultStore,
  queue: Queue | undefined,
  run: string,
  jobs: readonly string[],
): Promise<boolean> {
  let answered = false
  const removal = (async () => {
    // Not a transaction: a full Redis refuses every command queued in one, and this
    // frees what fills it.
    const removed = await redis.pipeline().del(runKey(run)).publish(ENDED_CHANNEL, run).exec()
    answered = true
    const failed = removed?.find(([error]) => error !== null)
    if (failed !== undefined) throw failed[0] as Error
    // Off the list even when one of these failed (a shared directory that cannot be
    // written): a sweep would meet the same failure, again and again.
    const cleared = await Promise.allSettled([
      store.clear(run),
      ...jobs.map((job) => queue?.remove(job).catch(() => 0)),
    ])
    await redis.srem(RUNS, run)
    const stuck = cleared.find((result) => result.status === 'rejected')
    if (stuck !== undefined) throw stuck.reason
  })()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CLEANUP_MS} ms`)), CLEANUP_MS)
  })
  try {
    await Promise.race([removal, timeout])
  } catch (error) {
    process.emitWarning(
      `the cluster executor could not remove what run ${run} left in Redis (${failureText(error)}); workers remove it once its record expires, within ${RUN_TTL_MS / 1000} s.`,
      { code: 'TASKGRAPH_CLUSTER_CLEANUP' },
    )
  } finally {
    clearTimeout(timer)
  }
  return answered
}

/**
 * Waits for `work` (a request to Redis on the way out) for at most `CLEANUP_MS`: a Redis
 * that answers nothing must not hold a run's end, or the executor's close, for ever.
 */
export async function boundedCleanup(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLEANUP_MS)))
  try {
    await Promise.race([work.catch(() => {}), late])
  } finally {
    clearTimeout(timer)
  }
}

/** Most time the end of a run waits for its jobs to leave BullMQ. */
const JOBS_GONE_MS = 1000

/**
 * Waits until no job of `sent` is active in `queue` (bounded). A job outlives the reply
 * that answered its last call: its worker completes it (and BullMQ deletes it) just
 * after, or holds it open a moment for more calls (worker/held-jobs.ts), or stops what
 * it ran once told the run ended. A run settles only once its jobs are gone, so that
 * nothing of it is left in Redis when it ends. One whose worker died keeps its lock
 * until the lease lapses; then a worker takes it and drops it: not waited for past the
 * bound.
 */
export async function jobsGone(
  redis: Redis,
  queue: Queue,
  sent: ReadonlySet<string>,
): Promise<void> {
  const deadline = performance.now() + JOBS_GONE_MS
  for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
    // Redis gone or slow: the run ends all the same, once the bound is past.
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<null>((wake) => {
      timer = setTimeout(() => wake(null), Math.max(0, deadline - performance.now()))
    })
    const active = await Promise.race([
      redis.lrange(queue.keys.active!, 0, -1).catch(() => []),
      late,
    ]).finally(() => clearTimeout(timer))
    if (active === null || !active.some((job) => sent.has(job))) return
    if (performance.now() > deadline) return
    await new Promise((wake) => setTimeout(wake, pause))
  }
}
