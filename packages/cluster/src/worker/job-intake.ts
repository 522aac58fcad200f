// How many jobs a cluster worker takes from the queue at once: bounded, so that no worker
// hoards work while another idles, yet enough that a thread whose job ends quickly has the
// next one ready.
import type { Worker } from 'bullmq'

/** A job that ran in less than this ends quickly: the worker then takes a second per thread. */
const QUICK_JOB_MS = 20

/**
 * Sets the concurrency of the worker's BullMQ worker as the jobs it holds come and go:
 * one job a thread when idle, two while jobs end quickly, one fewer for each long batch
 * running. Counts the calls of those jobs too, running or waiting for a thread.
 */
export class JobIntake {
  private worker: Worker | undefined
  private calls = 0
  /** Long batches running (see `JobBatch.long`). */
  private long = 0
  /** Jobs it holds (running, waiting for a thread, or held open). */
  private jobs = 0
  /**
   * Whether it takes a second job per thread, to have it ready when the first ends: only
   * while the jobs it runs end quickly. An idle worker takes one a thread, so that jobs
   * that come together (two long tasks) spread over idle workers.
   */
  private prefetch = false

  constructor(private readonly threads: number) {}

  /** The BullMQ worker whose concurrency it sets, once there is one. */
  attach(worker: Worker): void {
    this.worker = worker
  }

  /** Calls of the jobs it holds, running or waiting for a thread. */
  get holding(): number {
    return this.calls
  }

  jobTaken(): void {
    this.jobs++
  }

  /**
   * A job is done with. Idle again: the next jobs may come together, and go to other
   * workers too.
   */
  jobDone(): void {
    if (--this.jobs === 0 && this.prefetch) {
      this.prefetch = false
      this.takeJobs()
    }
  }

  /**
   * A batch of `calls` begins. A long batch holds a thread whole: while it runs the worker
   * takes one job fewer at a time, so that no job waits behind it here while another
   * worker's thread could run it.
   */
  batchBegun(calls: number, long: boolean): void {
    if (long) this.holdThread(1)
    this.calls += calls
  }

  /** A batch of `calls` is over. */
  batchOver(calls: number, long: boolean): void {
    this.calls -= calls
    if (long) this.holdThread(-1)
  }

  /** A batch's calls ran for `ms`: a quick one has the worker take a second job a thread. */
  ranFor(ms: number): void {
    const quick = ms < QUICK_JOB_MS
    if (quick !== this.prefetch) {
      this.prefetch = quick
      this.takeJobs()
    }
  }

  private holdThread(change: 1 | -1): void {
    this.long += change
    this.takeJobs()
  }

  /** Sets how many jobs it takes at once: one a thread, two while jobs end quickly. */
  private takeJobs(): void {
    if (this.worker === undefined) return
    this.worker.concurrency = Math.max(1, (this.prefetch ? 2 : 1) * this.threads - this.long)
  }
}
