// What a cluster worker does with each job BullMQ gives it: checks it (anyone who can
// write to Redis can write one), answers for one whose worker was lost, runs its calls and
// those its driver sends while it is held open, and tells the driver when something here,
// not in a task, went wrong.
import { hostname } from 'node:os'
import type { Job } from 'bullmq'
import type { Redis } from 'ioredis'
import type { Executor } from '@taskgraph/scheduler/internal'
import { marksOf } from '@taskgraph/scheduler/wire'
import { runKey } from '../keys.js'
import type { FileStore } from '../store/file-store.js'
import type { ResultStore, StoreEntry } from '../store/result-store.js'
import { UnreadableMessage } from '../wire/envelope.js'
import { jobFault } from '../wire/faults.js'
import { HOLD_FOR_MS } from '../wire/holds.js'
import {
  checkedBatch,
  packReply,
  type CallOutcome,
  type JobBatch,
  type JobData,
  type WireFault,
} from '../wire/job.js'
import { markerProperty } from '../wire/stored-values.js'
import type { ActiveRuns } from './active-runs.js'
import { finishJob } from './finish-job.js'
import type { HeldJobs } from './held-jobs.js'
import type { JobIntake } from './job-intake.js'
import type { ModulePolicy } from './module-policy.js'
import { answerRedelivered } from './redelivered-job.js'
import { runJob, sendable } from './run-job.js'
import { StartNotices } from './start-notices.js'
import { ProgressNotices } from './progress-notices.js'

/** This machine, as task records name it. */
const HOST = hostname()

/** What running jobs takes of the worker. */
export interface JobsOf {
  readonly redis: Redis
  readonly id: string
  readonly name: string
  readonly policy: ModulePolicy
  /** For reading inputs, wherever they are. */
  readonly store: ResultStore
  /** The shared directory large results go to, if it has one. */
  readonly large: FileStore | undefined
  readonly held: HeldJobs
  readonly intake: JobIntake
  readonly runs: ActiveRuns
  /** Its pool now: a run that ends with calls on it has it replaced. */
  readonly pool: () => Executor
  /** Whether it is stopping: no job is held open then. */
  readonly stopping: () => boolean
}

export class JobProcessor {
  private readonly starts: StartNotices

  constructor(private readonly worker: JobsOf) {
    this.starts = new StartNotices(worker.redis, worker.name)
  }

  async process(job: Job<JobData>): Promise<void> {
    const { redis, name, intake, runs } = this.worker
    const data = job.data
    let batch: JobBatch
    try {
      batch = checkedBatch(data)
    } catch (error) {
      if (error instanceof UnreadableMessage) return this.unreadable(data, error)
      // Not a job a driver made: nobody to answer. Anyone who can write to Redis can
      // write one, so it is dropped, never acted on.
      this.dropped(job.id, error)
      return
    }
    // Whether its run is still on, asked while the job gets ready.
    const open = redis.exists(runKey(data.run)).then((exists) => exists === 1)
    try {
      if (
        job.stalledCounter > 0 &&
        (await open) &&
        (await answerRedelivered(redis, name, job, data, batch))
      ) {
        return
      }
    } catch (error) {
      await this.failCalls(data, batch, error)
      return
    }
    intake.jobTaken()
    const controller = runs.add(data.run)
    try {
      await this.runHeld(job, data, batch, open, controller.signal)
    } finally {
      intake.jobDone()
      runs.remove(data.run, controller)
    }
  }

  /**
   * Runs the job's calls, then holds the job open a moment for the calls their results
   * made ready (held-jobs.ts), and runs those too, as long as the driver sends some and
   * the job has not run for long. Inputs this worker stored a moment ago are read from
   * memory rather than Redis: a chain's next task takes its predecessor's result.
   */
  private async runHeld(
    job: Job<JobData>,
    data: JobData,
    first: JobBatch,
    open: Promise<boolean>,
    signal: AbortSignal,
  ): Promise<void> {
    const { redis, name, large, intake, runs } = this.worker
    const began = performance.now()
    let batch = first
    let local: ReadonlyMap<string, Buffer> | undefined
    // The copy left in Redis of the calls a hold took: it goes with their results.
    let left: string | undefined
    // What ends in the job, told while it runs (see progress-notices.ts).
    const notices = new ProgressNotices((entries, steps, outcomes) => {
      this.starts.ended(data, outcomes)
      const replyOf = (told: CallOutcome[]): Buffer =>
        packReply({
          worker: name,
          ...(told.length > 0 && { host: HOST }),
          outcomes: told,
          ...(steps.length > 0 && { steps }),
        })
      let reply: Buffer
      try {
        reply = replyOf(outcomes)
      } catch {
        reply = replyOf(sendable(outcomes))
      }
      return finishJob(redis, large, data, entries, reply)
    })
    for (;;) {
      let hold: string | undefined
      let entries: readonly StoreEntry[]
      const long = batch.long === true
      try {
        // Before the first wait: BullMQ fetches the next job as soon as this one's
        // processing has begun.
        intake.batchBegun(batch.calls.length, long)
        // The count of this job's calls on the pool, taken now: one told late (after the
        // job ended) is told to this count, which its own end has left.
        const onPool = runs.callsOnPool(data.run)
        const runStart = performance.now()
        const result = await runJob({
          run: data.run,
          worker: this.worker.name,
          marker: markerProperty(data.driver),
          marks: marksOf(data.driver),
          open,
          batch,
          policy: this.worker.policy,
          store: this.worker.store,
          local,
          pool: this.worker.pool,
          limit: data.limit,
          largeStore: large !== undefined,
          signal,
          started: (id) => {
            onPool.started(id)
            this.starts.started(data, id)
          },
          ended: (id) => onPool.ended(id),
          stepEnded: (notice, entry) => notices.stepEnded(notice, entry),
          callEnded: (outcome, entry) => notices.callEnded(outcome, entry),
        })
        intake.ranFor(performance.now() - runStart)
        // What was told goes first: a step's notice before its call's outcome, which ends
        // the driver's interest in the call.
        await notices.replyDue()
        // Its run is over (it ended, or its driver died): the job is dropped.
        if (result === undefined) return this.deleteLeft(left)
        // The reply carries what was not told while the job ran.
        const { toldCalls, toldKeys } = notices
        const outcomes =
          toldCalls.size === 0
            ? result.outcomes
            : result.outcomes.filter((outcome) => !toldCalls.has(outcome.id))
        this.starts.ended(data, outcomes)
        hold = this.mayHold(began, signal) ? this.worker.held.hold(job.id!) : undefined
        const replyOf = (outcomes: CallOutcome[]): Buffer =>
          packReply({
            worker: name,
            host: HOST,
            outcomes,
            ...(hold !== undefined && {
              held: { run: data.run, job: job.id!, hold, worker: this.worker.id },
            }),
          })
        let reply: Buffer
        try {
          reply = replyOf(outcomes)
        } catch {
          reply = replyOf(sendable(outcomes))
        }
        entries = result.entries
        const unsent =
          toldKeys.size === 0 ? entries : entries.filter((entry) => !toldKeys.has(entry.key))
        const sent = await finishJob(redis, large, data, unsent, reply, { hold, left })
        left = undefined
        if (!sent) return
      } catch (error) {
        this.deleteLeft(left)
        await notices.replyDue()
        await this.failCalls(data, batch, error)
        return
      } finally {
        intake.batchOver(batch.calls.length, long)
      }
      if (hold === undefined) return
      const next = await this.worker.held.take(data.run, hold, signal)
      if (next === undefined) return
      left = next.left
      try {
        batch = checkedBatch({ ...data, batch: next.batch })
      } catch (error) {
        this.deleteLeft(left)
        if (error instanceof UnreadableMessage) return this.unreadable(data, error)
        this.dropped(job.id, error)
        return
      }
      open = Promise.resolve(true)
      local = new Map(entries.map((entry) => [entry.key, entry.bytes]))
    }
  }

  private deleteLeft(left: string | undefined): void {
    if (left !== undefined) void this.worker.redis.del(left).catch(() => 0)
  }

  /** Whether a job that began at `began` may be held open for more calls. */
  private mayHold(began: number, signal: AbortSignal): boolean {
    return !this.worker.stopping() && !signal.aborted && performance.now() - began < HOLD_FOR_MS
  }

  /**
   * Something went wrong here, not in a task (those are outcomes): Redis refused a
   * command (it is full, say), the shared directory failed, or the worker's own code
   * threw (a bug of taskgraph's, sent with its stack). The driver is told, so that its
   * run does not wait for ever: the reply goes even to a full Redis.
   */
  private async failCalls(data: JobData, batch: JobBatch, error: unknown): Promise<void> {
    await this.answer(
      data,
      batch.calls.map((call) => call.id),
      jobFault(error),
    )
  }

  /**
   * A batch whose envelope reads and whose values do not (its driver's Node writes them
   * in a way this one cannot read, or nests them deeper than this worker's stack): its
   * calls fail, rather than wait for ever for a worker that could read them.
   */
  private async unreadable(data: JobData, error: UnreadableMessage): Promise<void> {
    await this.answer(data, error.envelope.ids, {
      kind: 'not-serializable',
      direction: 'argument',
      path: 'args',
      valueType: 'data its driver wrote',
      reason: error.why(`cluster worker ${this.worker.name}`, 'its driver'),
    })
  }

  /** Fails the calls `ids` of the job with `fault`. */
  private async answer(data: JobData, ids: readonly number[], fault: WireFault): Promise<void> {
    const outcomes: CallOutcome[] = ids.map((id) => ({ id, ok: false, fault }))
    await finishJob(
      this.worker.redis,
      undefined,
      data,
      [],
      packReply({ worker: this.worker.name, host: HOST, outcomes }),
    )
  }

  private dropped(job: string | undefined, error: unknown): void {
    process.emitWarning(
      `taskgraph worker ${this.worker.name} dropped job ${job ?? '?'}: it is not a taskgraph job (${String(error)})`,
      { code: 'TASKGRAPH_CLUSTER_BAD_JOB' },
    )
  }
}
