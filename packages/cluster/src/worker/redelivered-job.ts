// A job that BullMQ gives again because the worker that held it was lost (its lease
// lapsed): what is run again, what goes back to the driver, and when a call is failed
// rather than kill workers for ever.
import type { Job } from 'bullmq'
import type { Redis } from 'ioredis'
import { packReply, type CallOutcome, type JobBatch, type JobData } from '../wire/job.js'
import { finishJob } from './finish-job.js'

/** A lost worker's jobs may be started this many times in all before their task is failed. */
export const MAX_STARTS = 3

/**
 * A job whose worker was lost. A batch goes again one call per job, so that only the
 * call at fault is charged; a call that lost its worker MAX_STARTS times fails, rather
 * than kill workers for ever. A chain whose steps' results the driver wants goes back
 * to it too: those stored before the loss need not run again. The driver is told in
 * any case, so that the calls it sent to the job while the lost worker held it go
 * again. `true` if that is all.
 */
export async function answerRedelivered(
  redis: Redis,
  worker: string,
  job: Job<JobData>,
  data: JobData,
  batch: JobBatch,
): Promise<boolean> {
  const lost = data.lost + job.stalledCounter
  const wanted = batch.calls[0]?.wanted !== undefined
  const outcomes: CallOutcome[] =
    batch.calls.length > 1 || (wanted && lost < MAX_STARTS)
      ? batch.calls.map((call) => ({ id: call.id, handedBack: 'lost' }))
      : lost >= MAX_STARTS
        ? batch.calls.map((call) => ({
            id: call.id,
            ok: false,
            fault: {
              kind: 'lost',
              detail: `the cluster worker running it was lost ${lost} times (each time a process ended or was killed while it ran)`,
            },
          }))
        : []
  await finishJob(
    redis,
    undefined,
    data,
    [],
    packReply({ worker, outcomes, redelivered: { run: data.run, job: job.id! } }),
  )
  return outcomes.length > 0
}
