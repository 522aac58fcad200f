import {
  DiscardedFault,
  ExecutorClosedFault,
  NotSerializableFault,
  ReturnedGraphFault,
  StepFault,
  UnreachableFault,
  WorkerStartFault,
  argumentFault,
} from '../executors/executor-faults.js'
import type { TaskCall } from '../executors/executor.js'
import type { WireOutcome } from '../wire/call.js'
import type { BatchOutcomes } from '../wire/messages.js'
import { fromWireError } from '../wire/remote-error.js'
import { refName } from '../wire/function-ref.js'
import { newMarks } from '../wire/marks.js'
import { decodeGraph, isWireGraph, type WireGraph } from '../wire/returned-graph.js'
import { takeBatch, weigh } from './batching.js'
import { HELD_PER_WORKER } from './work-held.js'
import { BufferMoves, letGoOfInputs, sentForGood } from './buffer-moves.js'
import { afterLoss, faultOf } from './call-faults.js'
import { CallQueue } from './call-queue.js'
import { FunctionPlacement } from './function-placement.js'
import type { FunctionLocator } from './function-locator.js'
import { loadOnMainThread } from './graph-functions.js'
import { FunctionProfile } from './function-profile.js'
import { runsAlone, type Pending } from './pending-call.js'
import { PoolLifeCycle } from './pool-life-cycle.js'
import { RecentCalls } from './recent-calls.js'
import { timingOf, workerOf } from './call-timing.js'
import { WireBatch } from './wire-batch.js'
import type { WorkerPool } from './worker-pool.js'

/** What a pool's engine is made with: its front's options, checked. */
export interface PoolSettings {
  readonly runtime: 'worker_threads' | 'child_process'
  readonly workers: number
  readonly startTimeoutMs: number
  readonly taskStdout: 'stdout' | 'stderr'
  /** Modules each worker imports first, as URLs. */
  readonly preload: readonly string[]
  /** Whether `stopCallsOf` may be called: batches are then tracked in `inWorkers`. */
  readonly stopsEndedRuns: boolean
  /** How workers reach functions: the front's, which answers `canFuse` before the engine. */
  readonly locator: FunctionLocator
}

/**
 * The working part of a pool executor (pool-executor.ts is its front). Calls queue here
 * and go to the workers in batches sized from how long each function took so far
 * (batching.ts), so many tiny tasks share a round trip while long ones spread over every
 * worker. Linear chains arrive fused and run in one worker. A batch that runs on past
 * 100 ms has its calls' outcomes told as they end (worker/early-outcomes.ts), each
 * settled then. A batch whose worker dies is re-run one call at a time, less the calls
 * already told of, so only the task that kills its worker is reported lost
 * (call-faults.ts). Functions a worker cannot reach run on the main thread, with a
 * warning (function-placement.ts).
 */
export class PoolEngine {
  private readonly workers: number
  private readonly runtime: 'worker_threads' | 'child_process'
  private readonly life: PoolLifeCycle
  private readonly queue = new CallQueue<Pending>()
  /** Expected work held (queued, sent, or being looked up), in batches' worth. */
  private held = 0
  private flushScheduled = false
  private closed = false
  private nextCall = 1
  private readonly moves = new BufferMoves()
  private readonly placement: FunctionPlacement
  private readonly recent = new RecentCalls()
  private readonly profile = new FunctionProfile()
  /** Runs whose stopping this executor listens for, to drop their queued calls. */
  private readonly watchedRuns = new WeakSet<AbortSignal>()
  /** Runs that ended with calls still in workers, given up on (`stopCallsOf`). */
  private readonly endedRuns = new WeakSet<AbortSignal>()
  /**
   * Batches in workers, each with what gives it up, and its calls that have their
   * outcomes (by place in the batch), while runs may end before them.
   */
  private readonly inWorkers = new Set<{
    readonly sent: Pending[]
    readonly abandon: AbortController
    readonly told: ReadonlySet<number>
  }>()
  private readonly stopsEndedRuns: boolean
  /**
   * What marks functions among arguments and graphs that calls return, in this pool's
   * messages alone (see marks.ts).
   */
  private readonly marks = newMarks()

  constructor(settings: PoolSettings) {
    this.runtime = settings.runtime
    this.workers = settings.workers
    this.stopsEndedRuns = settings.stopsEndedRuns
    this.placement = new FunctionPlacement(this.moves, settings.locator)
    this.life = new PoolLifeCycle({
      runtime: settings.runtime,
      workers: settings.workers,
      taskStdout: settings.taskStdout,
      startTimeoutMs: settings.startTimeoutMs,
      preload: settings.preload,
      modulesToWarm: () => this.placement.modulesToWarm(),
      onFound: (found) => this.profile.found(found),
      onLate: (message) =>
        this.recent.late(
          message.call,
          fromWireError(message.error),
          message.ends === true ? 'worker-exception' : 'rejection',
        ),
      onStep: (message) => this.recent.step(message.call, message.result),
      onRoom: () => this.flush(),
      onBroken: (reason, ended) => this.failWaiting(reason, ended),
    })
  }

  run(call: TaskCall): unknown {
    if (this.closed) throw new ExecutorClosedFault(false)
    if (call.mainThread) return this.placement.runHere(call)
    const refs = this.placement.refsOf(call)
    if (refs === undefined) {
      // Its functions are being looked up: held meanwhile, so the scheduler waits.
      this.held++
      return this.placement.locateAll(call).then(
        () => {
          this.held--
          if (call.signal.aborted) throw new DiscardedFault()
          return this.run(call)
        },
        (error: unknown) => {
          this.held--
          throw error
        },
      )
    }
    if (refs === null) return this.placement.runUnreachable(call)
    this.watchRun(call.signal)
    return new Promise((resolve, reject) => {
      const { weight, heavy, long } = weigh(call, refs, this.profile)
      this.held += weight
      this.queue.push({ call, refs, resolve, reject, weight, heavy, long, isolate: false })
      this.scheduleFlush()
    })
  }

  saturated(): boolean {
    return this.held >= this.workers * HELD_PER_WORKER
  }

  /**
   * Starts the workers now, rather than at the first task, and has each import its
   * preload modules and the modules that made task functions, so the first batches find
   * them loaded. Resolves once every worker is ready; never rejects: a pool whose workers
   * cannot start fails the calls waiting for it instead (and starts again for later ones).
   */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve()
    return this.life.start()
  }

  /** Ends the workers; calls queued or running reject with `ExecutorClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.rejectQueued(() => new ExecutorClosedFault(true))
    await this.life.close()
  }

  /**
   * The run whose calls carried `signal` ended: a worker running nothing but calls of
   * ended runs is ended (and replaced), so a call nobody waits for does not hold a
   * worker, nor keep the process alive. For an executor made with `stopsEndedRuns`,
   * whose runs never close it (a run that closes its executor ends such calls so).
   */
  stopCallsOf(signal: AbortSignal): void {
    this.endedRuns.add(signal)
    for (const batch of this.inWorkers) {
      const given = (pending: Pending, i: number): boolean =>
        batch.told.has(i) || this.endedRuns.has(pending.call.signal)
      if (batch.sent.every(given)) {
        batch.abandon.abort()
      }
    }
  }

  /**
   * Ends the workers at once, synchronously: from a process's `'exit'` listener, where
   * nothing asynchronous runs any more, so that no worker process outlives it.
   */
  endNow(): void {
    this.closed = true
    this.life.endNow()
  }

  /**
   * The calls waiting when the pool broke fail with `reason` once its workers are gone
   * (`ended`), so that a run that then closes this executor finds none: taken from the
   * queue now, so that closing it meanwhile does not fail them as closed, and calls made
   * later start new workers rather than fail too.
   */
  private failWaiting(reason: unknown, ended: Promise<void>): void {
    const waiting = this.queue.drain()
    void ended.then(() => {
      for (const pending of waiting) {
        // As the queue's calls of a run that stops are (see `watchRun`).
        this.drop(pending, pending.call.signal.aborted ? new DiscardedFault() : reason)
      }
    })
  }

  private rejectQueued(reason: () => unknown): void {
    for (const pending of this.queue.drain()) this.drop(pending, reason())
  }

  private drop(pending: Pending, reason: unknown): void {
    this.held -= pending.weight
    pending.reject(reason)
  }

  /** Listens once per run for its stopping, to drop its calls still queued here. */
  private watchRun(signal: AbortSignal): void {
    if (this.watchedRuns.has(signal)) return
    this.watchedRuns.add(signal)
    signal.addEventListener(
      'abort',
      () => {
        const dropped = this.queue.takeWhere((pending) => pending.call.signal === signal)
        for (const pending of dropped) this.drop(pending, new DiscardedFault())
      },
      { once: true },
    )
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    // Calls launched in the same turn of the event loop batch together.
    queueMicrotask(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  private flush(): void {
    const pool = this.life.readyPool
    if (pool === undefined) {
      if (this.queue.size > 0 && !this.closed) void this.start()
      return
    }
    while (this.queue.size > 0 && !this.closed) {
      if (!pool.hasRoom(runsAlone(this.queue.peek()))) break
      this.dispatch(pool, takeBatch(this.queue, this.profile, this.workers))
    }
  }

  private dispatch(pool: WorkerPool, batch: Pending[]): void {
    const sameProcess = this.runtime === 'worker_threads'
    const wire = new WireBatch((fn) => this.placement.refOf(fn), sameProcess, this.marks)
    const sent: Pending[] = []
    for (const pending of batch) {
      const found = wire.add(pending.call, pending.refs, this.nextCall++)
      if (found === undefined) sent.push(pending)
      else this.drop(pending, argumentFault(found))
    }
    if (sent.length === 0) return
    const only = sent.length === 1 ? sent[0]! : undefined
    const final = only !== undefined && sentForGood(only, this.profile)
    const transfer = final && sameProcess ? this.moves.movable(only.call) : []
    // The calls whose outcomes came while others of the batch ran on: they are settled
    // then, as the batch's own are, and its loss leaves them be.
    const told = new Set<number>()
    const tracked = this.stopsEndedRuns ? { sent, abandon: new AbortController(), told } : undefined
    const settleTold = ({ calls, outcomes }: BatchOutcomes): void => {
      outcomes.forEach((outcome, k) => {
        const i = calls === undefined ? k : calls[k]!
        told.add(i)
        this.settle(sent[i]!, outcome)
        this.recent.settled(wire.calls[i]!.id)
      })
    }
    let running: Promise<BatchOutcomes> | undefined
    try {
      running = pool.run(
        { functions: wire.functions, calls: wire.calls, marks: this.marks.token },
        transfer,
        {
          onStarted: ({ pid, threadId }) => {
            // Named as its records are: a call the run stops waiting for has no other.
            const worker = workerOf(this.runtime, pid, threadId)
            for (const pending of sent) pending.call.started(undefined, worker)
          },
          onOutcomes: settleTold,
          timeoutMs: only?.call.options.timeout,
          alone: only !== undefined && runsAlone(only),
          timed: sent.some((pending) => pending.call.timed !== undefined),
          ...(tracked && { abandon: tracked.abandon.signal }),
        },
      )
    } catch (error) {
      this.lost(sent, error)
      return
    }
    if (running === undefined) {
      // The worker that had room as the batch was taken has none now: the batch waits,
      // first in line, for the next to end.
      this.queue.unshift(sent)
      return
    }
    if (tracked !== undefined) this.inWorkers.add(tracked)
    for (const [i, pending] of sent.entries()) this.recent.add(wire.calls[i]!.id, pending.call)
    if (final) letGoOfInputs(only)
    running
      .then(
        (done) => {
          if (done.calls === undefined) {
            sent.forEach((pending, i) => this.settle(pending, done.outcomes[i]!))
          } else settleTold(done)
        },
        (error: unknown) =>
          this.lost(told.size === 0 ? sent : sent.filter((_, i) => !told.has(i)), error),
      )
      .finally(() => {
        if (tracked !== undefined) this.inWorkers.delete(tracked)
        for (const call of wire.calls) this.recent.settled(call.id)
        this.flush()
      })
  }

  private settle(pending: Pending, outcome: WireOutcome): void {
    this.held -= pending.weight
    if (outcome.times !== undefined) pending.call.timed?.(timingOf(outcome.times, this.runtime))
    pending.call.blocked?.(outcome.blockingMs)
    this.profile.learn(pending.refs, outcome)
    if (outcome.ok) {
      if (this.runtime === 'worker_threads') this.moves.received(outcome.value)
      if (outcome.changed !== undefined) pending.call.resultChanged?.(outcome.changed)
      // A graph the task returned, written as data: made again here, where it runs.
      if (isWireGraph(outcome.value, this.marks)) {
        decodeGraph(outcome.value as WireGraph, this.marks, loadOnMainThread, refName).then(
          pending.resolve,
          (error: unknown) => pending.reject(unloadable(error)),
        )
      } else pending.resolve(outcome.value)
      return
    }
    const { failure, step } = outcome
    if (failure.kind === 'returned-graph') {
      decodeGraph(failure.graph, this.marks, loadOnMainThread, refName).then(
        (value) => pending.reject(new ReturnedGraphFault(step, value)),
        (error: unknown) => pending.reject(new StepFault(step, unloadable(error))),
      )
      return
    }
    if (failure.kind === 'unreachable') {
      // The worker made the module's functions differently: run it here, correctly,
      // and keep that function on the main thread from now on.
      this.placement
        .runNotFound(pending.call, step, failure.detail)
        .then(pending.resolve, pending.reject)
      return
    }
    if (failure.kind === 'load-failed') {
      // A later step's module: nothing ran, and the run splits the chain before that step
      // (see `UnreachableFault`), so that the steps ahead of it run, and it fails as a
      // call of its own, as it would unfused.
      pending.reject(
        step > 0
          ? new UnreachableFault(step, failure.detail)
          : new WorkerStartFault(failure.detail, failure.limitMs),
      )
      return
    }
    const reason = faultOf(failure)
    pending.reject(step === 0 ? reason : new StepFault(step, reason, outcome.input))
  }

  /** The batch `sent` did not come back, as a whole: with `error`. */
  private lost(all: Pending[], error: unknown): void {
    // Calls of runs that ended are given up, not sent again (`stopCallsOf`).
    const sent = all.filter((pending) => !this.endedRuns.has(pending.call.signal))
    for (const pending of all) {
      if (this.endedRuns.has(pending.call.signal)) this.drop(pending, new DiscardedFault())
    }
    if (sent.length === 0) return
    const sameProcess = this.runtime === 'worker_threads'
    const next = afterLoss(sent, error, { closed: this.closed, sameProcess })
    switch (next.kind) {
      case 'closed':
        for (const pending of sent) this.drop(pending, new ExecutorClosedFault(true))
        return
      case 'broken':
        for (const pending of sent) this.drop(pending, next.reason)
        return
      case 'fail':
        this.drop(sent[0]!, next.reason)
        return
      case 'requeue':
        this.queue.unshift(
          sent.map((pending) => ({
            ...pending,
            isolate: pending.isolate || next.isolate,
            ...(next.unbegun === true && { lostUnbegun: (pending.lostUnbegun ?? 0) + 1 }),
          })),
        )
    }
  }
}

/** Why a graph a task returned could not be made again on the main thread. */
function unloadable(error: unknown): NotSerializableFault {
  return new NotSerializableFault('result', 'the result', 'a graph', (error as Error).message)
}
