// The runs a cluster worker has jobs of now, and their calls on its pool: what a run that
// ends must stop here, and what the worker's record counts as running.

/**
 * A run's calls on the pool: those begun and not ended. A call may be told to have
 * begun after it ended (the pool tells starts as it hears of them): it is not counted.
 */
export class CallsOnPool {
  private readonly onPool = new Set<number>()
  private readonly done = new Set<number>()

  get running(): boolean {
    return this.onPool.size > 0
  }

  get size(): number {
    return this.onPool.size
  }

  started(id: number): void {
    if (!this.done.has(id)) this.onPool.add(id)
  }

  ended(id: number): void {
    this.onPool.delete(id)
    this.done.add(id)
  }
}

/** Jobs being run, by run, and the calls they have on the pool. */
export class ActiveRuns {
  /** Jobs being run, by run: aborting one stops its calls. */
  private readonly active = new Map<string, Set<AbortController>>()
  /**
   * Calls running on the pool now (begun, not ended), by run: a run that ends with some
   * has its pool replaced, as they cannot be stopped one by one. A job held open after
   * its calls ended has none.
   */
  private readonly begun = new Map<string, CallsOnPool>()

  /** A job of `run` begins: what stops it. */
  add(run: string): AbortController {
    const controller = new AbortController()
    let jobs = this.active.get(run)
    if (jobs === undefined) this.active.set(run, (jobs = new Set()))
    jobs.add(controller)
    return controller
  }

  /** A job of `run` is over: its run's last one takes the run's count of calls with it. */
  remove(run: string, controller: AbortController): void {
    const jobs = this.active.get(run)
    if (jobs === undefined) return
    jobs.delete(controller)
    if (jobs.size === 0) {
      this.active.delete(run)
      this.begun.delete(run)
    }
  }

  /**
   * The calls on the pool of `run`, while it has jobs here. Once its last job is over the
   * run's count goes with it: a start the pool tells later (of a call of a job cancelled
   * while its thread was being replaced) counts nowhere, instead of as running for ever.
   */
  callsOnPool(run: string): CallsOnPool {
    let calls = this.begun.get(run)
    if (calls === undefined) {
      calls = new CallsOnPool()
      if (this.active.has(run)) this.begun.set(run, calls)
    }
    return calls
  }

  /** Stops the jobs of `run`: `true` if some of its calls are running on the pool. */
  abort(run: string): boolean {
    const jobs = this.active.get(run)
    if (jobs === undefined) return false
    for (const job of jobs) job.abort()
    return this.begun.get(run)?.running === true
  }

  /** The runs it has jobs of now. */
  get ids(): string[] {
    return [...this.active.keys()]
  }

  abortAll(): void {
    for (const jobs of this.active.values()) for (const job of jobs) job.abort()
  }

  /** Calls running on the pool now, of every run. */
  get running(): number {
    let running = 0
    for (const calls of this.begun.values()) running += calls.size
    return running
  }
}
