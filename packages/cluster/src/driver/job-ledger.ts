import type { ClusterRun, Pending } from './cluster-run.js'

/**
 * The calls a driver has out on the cluster: by id, for the replies that name them, and
 * by job, to know when a job is done (all its calls answered) and so how many are out.
 */
export class JobLedger {
  private readonly calls = new Map<number, Pending>()
  private out = 0
  private long = 0

  /** Jobs sent and not wholly answered. */
  get jobsOut(): number {
    return this.out
  }

  /** Long calls out (see long-calls.ts), each a job of its own. */
  get longOut(): number {
    return this.long
  }

  /** `calls` of `run` went out as job `job` (or to it, while its worker holds it). */
  sent(run: ClusterRun, job: string, calls: readonly Pending[]): void {
    let inJob = run.jobs.get(job)
    if (inJob === undefined) {
      run.jobs.set(job, (inJob = new Set()))
      this.out++
    }
    for (const pending of calls) {
      pending.job = job
      this.calls.set(pending.id, pending)
      inJob.add(pending)
      if (pending.long) this.long++
    }
  }

  /** The call out under `id`, if it still is. */
  get(id: number): Pending | undefined {
    return this.calls.get(id)
  }

  /**
   * Takes the call `id` off as answered; `undefined` if it was not out (answered already,
   * by a job that ran twice, or its run has ended).
   */
  answered(id: number): Pending | undefined {
    const pending = this.calls.get(id)
    if (pending === undefined) return undefined
    this.calls.delete(id)
    this.leaveJob(pending.run, pending.job!, pending)
    return pending
  }

  /** Takes off every call of `run` still out; returns them, and the ids of their jobs. */
  takeRun(run: ClusterRun): { readonly calls: Pending[]; readonly jobs: string[] } {
    const calls: Pending[] = []
    for (const inJob of run.jobs.values()) {
      for (const pending of inJob) {
        this.calls.delete(pending.id)
        calls.push(pending)
        if (pending.long) this.long--
      }
    }
    const jobs = [...run.jobs.keys()]
    this.out -= run.jobs.size
    run.jobs.clear()
    return { calls, jobs }
  }

  /**
   * Takes back `calls`, sent to held job `job` and not taken by its worker (the hold
   * had ended): those still out, to send again.
   */
  withdraw(run: ClusterRun, job: string, calls: readonly Pending[]): Pending[] {
    const back = calls.filter((pending) => this.calls.get(pending.id) === pending)
    for (const pending of back) {
      this.calls.delete(pending.id)
      this.leaveJob(run, job, pending)
    }
    return back
  }

  /** Takes off the calls sent to held job `job` (its worker was lost holding it). */
  takeHeld(run: ClusterRun, job: string): Pending[] {
    const held = [...(run.jobs.get(job) ?? [])].filter((pending) => pending.held === true)
    for (const pending of held) {
      this.calls.delete(pending.id)
      this.leaveJob(run, job, pending)
    }
    return held
  }

  private leaveJob(run: ClusterRun, job: string, pending: Pending): void {
    const calls = run.jobs.get(job)
    calls?.delete(pending)
    if (pending.long) this.long--
    if (calls?.size === 0) {
      run.jobs.delete(job)
      this.out--
    }
    pending.job = undefined
    pending.held = false
  }
}
