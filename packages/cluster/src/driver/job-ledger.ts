import type { ClusterRun, Pending } from './cluster-run.js'

/**
 * The calls a driver has out on the cluster: by id, for the replies that name them, and
 * by job, to know when a job is done (all its calls answered) and so how many are out.
 */
export class JobLedger {
  private readonly calls = new Map<number, Pending>()
  private out = 0

  /** Jobs sent and not wholly answered. */
  get jobsOut(): number {
    return this.out
  }

  /** `calls` of `run` went out as job `job`. */
  sent(run: ClusterRun, job: string, calls: readonly Pending[]): void {
    for (const pending of calls) {
      pending.job = job
      this.calls.set(pending.id, pending)
    }
    run.jobs.set(job, new Set(calls))
    this.out++
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
    const { run } = pending
    const calls = run.jobs.get(pending.job!)
    calls?.delete(pending)
    if (calls?.size === 0) {
      run.jobs.delete(pending.job!)
      this.out--
    }
    pending.job = undefined
    return pending
  }

  /** Takes off every call of `run` still out; returns them, and the ids of their jobs. */
  takeRun(run: ClusterRun): { readonly calls: Pending[]; readonly jobs: string[] } {
    const calls: Pending[] = []
    for (const inJob of run.jobs.values()) {
      for (const pending of inJob) {
        this.calls.delete(pending.id)
        calls.push(pending)
      }
    }
    const jobs = [...run.jobs.keys()]
    this.out -= run.jobs.size
    run.jobs.clear()
    return { calls, jobs }
  }
}
