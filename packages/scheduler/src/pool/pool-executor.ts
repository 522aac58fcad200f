import { pathToFileURL } from 'node:url'
import type { Executor, TaskCall } from '../executors/executor.js'
import {
  Discarded,
  ExecutorClosed,
  NotSerializable,
  Stalled,
  StepFailed,
  TimedOut,
  UnhandledRejection,
  WorkerLost,
  WorkerStartFailed,
} from '../executors/executor-faults.js'
import { BufferMoves } from './buffer-moves.js'
import { CallQueue } from './call-queue.js'
import { findCloneProblem } from '../wire/clone-check.js'
import { BATCH_TARGET_MS, FunctionProfile, HEAVY_BYTES, bytesOf } from './function-profile.js'
import { FunctionLocator, type FunctionRef } from '../wire/function-ref.js'
import {
  UnreachableWarnings,
  argumentFunctions,
  callFunctions,
  runOnMainThread,
} from './main-thread.js'
import {
  DEFAULT_START_TIMEOUT_MS,
  checkStartTimeout,
  checkTaskStdout,
  checkWorkers,
  defaultWorkers,
  type PoolOptions,
} from './pool-options.js'
import { fromWireError } from '../wire/remote-error.js'
import { RecentCalls } from './recent-calls.js'
import type { WireOutcome } from '../wire/messages.js'
import { WireBatch } from './wire-batch.js'
import { WorkerPool } from './worker-pool.js'

/** Most calls in one batch. */
const MAX_BATCH = 1024
/** Calls handed to the executor at once, per worker: enough to fill big batches. */
const CALLS_PER_WORKER = 2048
/**
 * Work held per worker, in batches' worth (a call of unknown or long cost counts as one):
 * two sent (one running, one ready behind it) and one waiting here. Beyond that the
 * scheduler keeps tasks in its own priority order (see `Executor.saturated`).
 */
const HELD_PER_WORKER = 2

interface Pending {
  call: TaskCall
  /** Refs of the call's function, then of each fused step's. */
  readonly refs: readonly FunctionRef[]
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** Share of a worker's batch this call is expected to take (1: a batch of its own). */
  readonly weight: number
  /** Its inputs or its results hold much data (see `runsAlone`). */
  readonly heavy: boolean
  /** Run alone: its batch was lost, so it must prove itself on its own. */
  isolate: boolean
  /** Sent for good: the scheduler let go of its inputs, so it can never be sent again. */
  sentFinal?: boolean
}

/**
 * Runs tasks in a pool of worker threads or child processes. Calls queue here and go to
 * the workers in batches sized from how long each function took so far, so many tiny
 * tasks share a round trip while long ones spread over every worker. Linear chains arrive
 * fused and run in one worker. A batch whose worker dies is re-run one call at a time, so
 * only the task that kills its worker is reported lost. Functions a worker cannot reach
 * run on the main thread, with a warning.
 */
export abstract class PoolExecutor implements Executor {
  abstract readonly name: string
  readonly remote = true
  readonly enforcesTimeouts = true
  readonly reportsStarts = true
  readonly concurrency: number
  /** Number of workers. */
  readonly workers: number
  protected abstract readonly runtime: 'worker_threads' | 'child_process'
  private readonly preload: readonly string[]
  private readonly startTimeoutMs: number
  private readonly taskStdout: 'stdout' | 'stderr'
  private pool: WorkerPool | undefined
  /** Pools being ended because their workers could not get ready. */
  private readonly closing = new Set<Promise<void>>()
  private ready = false
  private readonly queue = new CallQueue<Pending>()
  /** Expected work held (queued, sent, or being looked up), in batches' worth. */
  private held = 0
  private flushScheduled = false
  private closed = false
  private nextCall = 1
  private readonly locator = new FunctionLocator()
  private readonly warnings = new UnreachableWarnings(this.locator)
  private readonly moves = new BufferMoves()
  private readonly recent = new RecentCalls()
  private readonly profile = new FunctionProfile()
  /** Runs whose stopping this executor listens for, to drop their queued calls. */
  private readonly watchedRuns = new WeakSet<AbortSignal>()

  constructor(options: PoolOptions = {}) {
    const caller = `new ${new.target.name}`
    this.workers =
      options.workers === undefined ? defaultWorkers() : checkWorkers(caller, options.workers)
    this.startTimeoutMs =
      options.startTimeout === undefined
        ? DEFAULT_START_TIMEOUT_MS
        : checkStartTimeout(caller, options.startTimeout)
    this.taskStdout = checkTaskStdout(caller, options.taskStdout)
    this.preload = (options.preload ?? []).map((entry) =>
      entry.includes('://') ? entry : pathToFileURL(entry).href,
    )
    this.concurrency = this.workers * CALLS_PER_WORKER
  }

  run(call: TaskCall): unknown {
    if (this.closed) throw new ExecutorClosed(false)
    if (call.mainThread) return this.runHere(call)
    const refs = this.refsOf(call)
    if (refs === undefined) {
      // Its functions are being looked up: held meanwhile, so the scheduler waits.
      this.held++
      return this.locateAll(call).then(
        () => {
          this.held--
          if (call.signal.aborted) throw new Discarded()
          return this.run(call)
        },
        (error: unknown) => {
          this.held--
          throw error
        },
      )
    }
    if (refs === null) {
      this.warnings.warnFor(call)
      return this.runHere(call)
    }
    this.watchRun(call.signal)
    return new Promise((resolve, reject) => {
      // A call with heavy inputs or results holds memory, if not its worker's time: until
      // it ends, more such calls only add to what waits in memory.
      const heavy = ownedBytes(call) >= HEAVY_BYTES || this.profile.makesHeavy(refs)
      const weight = heavy ? HELD_PER_WORKER : this.profile.weightOf(refs)
      this.held += weight
      this.queue.push({ call, refs, resolve, reject, weight, heavy, isolate: false })
      this.scheduleFlush()
    })
  }

  saturated(): boolean {
    return this.held >= this.workers * HELD_PER_WORKER
  }

  canFuse(fn: TaskCall['fn']): boolean {
    const ref = this.locator.peek(fn)
    return ref !== undefined && ref !== null
  }

  /**
   * Starts the workers now, rather than at the first task, and has each import its
   * preload modules and the modules that made task functions, so the first batches find
   * them loaded. Resolves once every worker is ready; never rejects: a pool whose workers
   * cannot start fails the calls waiting for it instead (and starts again for later ones).
   * @example const pool = new ThreadExecutor(); void pool.start() // while the graph is built
   */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.pool !== undefined) return this.pool.start().catch(() => undefined)
    const pool = new WorkerPool({
      runtime: this.runtime,
      size: this.workers,
      taskStdout: this.taskStdout,
      startTimeoutMs: this.startTimeoutMs,
      init: () => ({
        type: 'init',
        preload: this.preload,
        modules: this.locator.modulesToWarm(),
        loadTimeoutMs: this.startTimeoutMs,
      }),
      onFound: (found) => this.profile.found(found),
      onLate: (message) => this.recent.late(message.call, fromWireError(message.error)),
      onReplaced: () => this.flush(),
      onBroken: (reason) => this.broken(pool, reason),
    })
    this.pool = pool
    return pool.start().then(
      () => {
        if (this.pool !== pool) return
        this.ready = true
        this.flush()
      },
      (reason: unknown) => this.broken(pool, reason),
    )
  }

  /** Ends the workers; calls queued or running reject with `ExecutorClosedError`. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.rejectQueued(() => new ExecutorClosed(true))
    const pool = this.pool
    this.pool = undefined
    this.ready = false
    await Promise.all([pool?.close(), ...this.closing])
  }

  /** A pool whose workers could not get ready: what waits for it fails, and a later call starts anew. */
  private broken(pool: WorkerPool, reason: unknown): void {
    if (this.pool !== pool) return
    this.pool = undefined
    this.ready = false
    // Ended before the calls fail: a run that closes this executor then finds no worker.
    const closing = pool.close()
    this.closing.add(closing)
    void closing.then(() => {
      this.closing.delete(closing)
      this.rejectQueued(() => reason)
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
        for (const pending of dropped) this.drop(pending, new Discarded())
      },
      { once: true },
    )
  }

  /**
   * The refs of a call's functions (its own, then each fused step's); `null` if a worker
   * cannot reach one of them or a function among the arguments, `undefined` if that is
   * not known yet (`locateAll` finds out).
   */
  private refsOf(call: TaskCall): FunctionRef[] | null | undefined {
    const refs: FunctionRef[] = []
    for (const fn of callFunctions(call)) {
      const ref = this.locator.peek(fn)
      if (ref === undefined || ref === null) return ref
      refs.push(ref)
    }
    for (const fn of argumentFunctions(call)) {
      const ref = this.locator.peek(fn)
      if (ref === undefined || ref === null) return ref
    }
    return refs
  }

  private async locateAll(call: TaskCall): Promise<void> {
    for (const fn of [...callFunctions(call), ...argumentFunctions(call)])
      await this.locator.locate(fn)
  }

  private runHere(call: TaskCall): unknown {
    call.started()
    // Buffers a task here sees are never moved to a worker afterwards.
    this.moves.seenHere(call.args)
    return runOnMainThread(call)
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
    if (!this.ready) {
      if (this.queue.size > 0 && !this.closed) void this.start()
      return
    }
    const pool = this.pool!
    while (this.queue.size > 0 && !this.closed) {
      if (!pool.hasRoom(runsAlone(this.queue.peek()))) break
      this.dispatch(pool, this.takeBatch())
    }
  }

  /** The next batch: calls whose known costs fit the target; an unknown cost goes alone. */
  private takeBatch(): Pending[] {
    const queued = this.queue.size
    const first = this.queue.shift()
    if (runsAlone(first)) return [first]
    // Spread what is queued over every worker rather than fill one batch.
    const limit = Math.min(MAX_BATCH, Math.ceil(queued / this.workers))
    const batch = [first]
    let budget = BATCH_TARGET_MS - this.profile.costOf(first.refs)
    while (batch.length < limit && this.queue.size > 0) {
      const next = this.queue.peek()
      if (runsAlone(next)) break
      const cost = this.profile.costOf(next.refs)
      if (cost > budget) break
      budget -= cost
      batch.push(this.queue.shift())
    }
    return batch
  }

  private dispatch(pool: WorkerPool, batch: Pending[]): void {
    const sameProcess = this.runtime === 'worker_threads'
    const wire = new WireBatch((fn) => this.locator.peek(fn)!, sameProcess)
    const sent: Pending[] = []
    for (const pending of batch) {
      const problem = wire.add(pending.call, pending.refs, this.nextCall++)
      if (problem === undefined) sent.push(pending)
      else {
        const { path, type, reason } = problem
        this.drop(pending, new NotSerializable('argument', path, type, reason))
      }
    }
    if (sent.length === 0) return
    const only = sent.length === 1 ? sent[0]! : undefined
    const timeout = only?.call.options.timeout
    // A call with heavy inputs, alone in its batch, on its last attempt, whose functions a
    // worker is known to find, cannot come back to be sent again: it may take its inputs
    // instead of a copy (threads), and the scheduler may let go of them once sent.
    const final =
      only !== undefined &&
      ownedBytes(only.call) >= HEAVY_BYTES &&
      only.call.lastAttempt &&
      only.call.steps === undefined &&
      this.surelyReachable(only)
    const transfer = final && sameProcess ? this.moves.movable(only.call) : []
    let running: Promise<readonly WireOutcome[]>
    try {
      running = pool.run(wire.functions, wire.calls, transfer, {
        onStarted: () => {
          for (const pending of sent) pending.call.started()
        },
        timeoutMs: timeout,
        alone: only !== undefined && runsAlone(only),
      })
    } catch (error) {
      this.lost(sent, error)
      return
    }
    for (const [i, pending] of sent.entries()) this.recent.add(wire.calls[i]!.id, pending.call)
    if (final) {
      only.call.releaseOwned()
      // Keep no reference to its arguments either: they are in the worker now.
      only.call = { ...only.call, args: [], owned: [] }
      only.sentFinal = true
    }
    running
      .then(
        (outcomes) => sent.forEach((pending, i) => this.settle(pending, outcomes[i]!)),
        (error: unknown) => this.lost(sent, error),
      )
      .finally(() => this.flush())
  }

  /** Whether a worker is known to find every function of `pending` (arguments: none). */
  private surelyReachable(pending: Pending): boolean {
    return argumentFunctions(pending.call).size === 0 && this.profile.reachableAll(pending.refs)
  }

  private settle(pending: Pending, outcome: WireOutcome): void {
    this.held -= pending.weight
    this.profile.learn(pending.refs, outcome)
    if (outcome.ok) {
      if (this.runtime === 'worker_threads') this.moves.received(outcome.value)
      pending.resolve(outcome.value)
      return
    }
    const { failure, step } = outcome
    let reason: unknown
    switch (failure.kind) {
      case 'unreachable': {
        // The worker made the module's functions differently: run it here, correctly,
        // and keep that function on the main thread from now on.
        this.warnings.warnNotFound(pending.call, step, failure.detail)
        Promise.resolve()
          .then(() => this.runHere(pending.call))
          .then(pending.resolve, pending.reject)
        return
      }
      case 'load-failed':
        pending.reject(new WorkerStartFailed(failure.detail, failure.limitMs))
        return
      case 'threw':
        reason = fromWireError(failure.error)
        break
      case 'not-serializable':
        reason = new NotSerializable('result', failure.path, failure.type, failure.reason)
        break
      case 'stalled':
        reason = new Stalled()
        break
      case 'unhandled-rejection':
        reason = new UnhandledRejection(fromWireError(failure.error))
        break
    }
    pending.reject(step === 0 ? reason : new StepFailed(step, reason, outcome.input))
  }

  private lost(sent: Pending[], error: unknown): void {
    if (this.closed || error instanceof ExecutorClosed) {
      for (const pending of sent) this.drop(pending, new ExecutorClosed(true))
      return
    }
    if (error instanceof TimedOut) {
      this.drop(sent[0]!, error)
      return
    }
    if (!(error instanceof WorkerLost)) {
      // Sending failed: some call's data could not be copied. Find which, alone.
      if (sent.length > 1) return this.requeue(sent, true)
      const problem = findCloneProblem(
        sent[0]!.call.args,
        'args',
        this.runtime === 'worker_threads',
        true,
      )
      const detail = error instanceof Error ? error.message : String(error)
      this.drop(
        sent[0]!,
        new NotSerializable(
          'argument',
          problem?.path ?? 'args',
          problem?.type ?? 'a value that cannot be copied',
          problem?.reason ?? `(${detail})`,
        ),
      )
      return
    }
    // Not begun: send it again as it was, if it still can be.
    if (!error.started && sent.every((pending) => pending.sentFinal !== true)) {
      return this.requeue(sent, false)
    }
    // One of them killed the worker; run each alone to find which, and let the rest finish.
    if (sent.length > 1 || error.shared) return this.requeue(sent, true)
    this.drop(sent[0]!, error)
  }

  private requeue(sent: Pending[], isolate: boolean): void {
    const again = sent.map((pending) => ({ ...pending, isolate: pending.isolate || isolate }))
    this.queue.unshift(again)
  }
}

/**
 * Whether a call goes to an idle worker, in a batch of its own: a call with a timeout
 * (its clock starts when it is sent, and must not run while it waits behind another
 * batch), a call on trial after a lost batch, and a retry (its last attempt may have
 * ended its worker): neither must share another call's worker, and so its fate. And a
 * call with heavy inputs: alone in its batch, on its last attempt, it may take them
 * instead of a copy, and they leave this thread as soon as it is sent. A call that
 * makes heavy results goes alone too: a worker then holds one such result at a time.
 */
function runsAlone(pending: Pending): boolean {
  return (
    pending.isolate ||
    pending.heavy ||
    pending.call.options.timeout !== undefined ||
    pending.call.attempt > 1
  )
}

/** Bytes of data in the inputs only this call still needs. */
function ownedBytes(call: TaskCall): number {
  let bytes = 0
  for (const owned of call.owned ?? []) bytes += bytesOf(owned.value)
  return bytes
}
