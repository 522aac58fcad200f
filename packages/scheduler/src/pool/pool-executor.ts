import { pathToFileURL } from 'node:url'
import type { AnyFunction } from '@taskgraph/core'
import Tinypool from 'tinypool'
import type { Executor, TaskCall } from '../executor.js'
import {
  Discarded,
  NotSerializable,
  StepFailed,
  TimedOut,
  WorkerLost,
} from '../executor-failures.js'
import { findBuffers, ownBuffers } from './buffers.js'
import { findCloneProblem } from './clone-check.js'
import { encodeFunctions, findFunctions } from './function-args.js'
import { FunctionLocator, type FunctionRef } from './function-ref.js'
import { checkWorkers, defaultWorkers, type PoolOptions } from './pool-options.js'
import { allPrimitive } from './primitives.js'
import { fromWireError } from './remote-error.js'
import type { BatchRequest, BatchResponse, WireCall, WireOutcome } from './wire.js'

/** A batch aims to hold a worker for about this long, so round trips stay a small share. */
const BATCH_TARGET_MS = 4
/** Most calls in one batch. */
const MAX_BATCH = 1024
/** Calls handed to the executor at once, per worker: enough to fill big batches. */
const CALLS_PER_WORKER = 2048

const WORKER_ENTRY = new URL('../worker/entry.js', import.meta.url)

interface Pending {
  readonly call: TaskCall
  /** Refs of the call's function, then of each fused step's. */
  readonly refs: readonly FunctionRef[]
  readonly resolve: (value: unknown) => void
  readonly reject: (reason: unknown) => void
  /** Run alone: its batch was lost, so it must prove itself on its own. */
  isolate: boolean
}

/**
 * Runs tasks in a tinypool pool of worker threads or child processes. Calls queue here
 * and go to the workers in batches sized from how long each function took so far, so
 * many tiny tasks share a round trip while long ones spread over every worker. Linear
 * chains arrive fused and run in one worker. A batch whose worker dies is re-run one call
 * at a time, so only the task that kills its worker is reported lost. Functions a worker
 * cannot reach run on the main thread, with a warning.
 */
export abstract class PoolExecutor implements Executor {
  abstract readonly name: string
  readonly remote = true
  readonly enforcesTimeouts = true
  readonly concurrency: number
  /** Number of workers. */
  readonly workers: number
  protected abstract readonly runtime: 'worker_threads' | 'child_process'
  private readonly preload: readonly string[]
  private pool: Tinypool | undefined
  /** Settles when every worker has answered once: until then nothing is dispatched. */
  private starting: Promise<void> | undefined
  private ready = false
  private queue: Pending[] = []
  private queueHead = 0
  private batchesInFlight = 0
  /** Counts `discardPending` calls, so calls between lookup and queue are dropped too. */
  private discards = 0
  private flushScheduled = false
  private closed = false
  private readonly locator = new FunctionLocator()
  /** Typical milliseconds each function (by its ref, one per function) holds a worker's thread per call. */
  private readonly costs = new WeakMap<FunctionRef, number>()
  private readonly warned = new WeakSet<AnyFunction>()
  private readonly watched = new WeakSet<object>()
  /** Buffers that arrived from a worker, by the key of the task whose result held them. */
  private readonly producedBy = new WeakMap<ArrayBuffer, string>()
  /** Buffers a main-thread task has seen: another value may share them, so never move them. */
  private readonly seenOnMain = new WeakSet<ArrayBuffer>()

  constructor(options: PoolOptions = {}) {
    this.workers =
      options.workers === undefined
        ? defaultWorkers()
        : checkWorkers(`new ${new.target.name}`, options.workers)
    this.preload = (options.preload ?? []).map((entry) =>
      entry.includes('://') ? entry : pathToFileURL(entry).href,
    )
    this.concurrency = this.workers * CALLS_PER_WORKER
  }

  run(call: TaskCall): unknown {
    if (this.closed) throw new Discarded()
    if (call.mainThread) return this.runHere(call)
    const refs = this.refsOf(call)
    if (refs === undefined) {
      const discards = this.discards
      return this.locateAll(call).then(() => {
        // Dropped while its functions were being looked up: it never started.
        if (this.discards !== discards) throw new Discarded()
        return this.run(call)
      })
    }
    if (refs === null) return this.runHere(call, true)
    return new Promise((resolve, reject) => {
      this.queue.push({ call, refs, resolve, reject, isolate: false })
      this.scheduleFlush()
    })
  }

  canFuse(fn: AnyFunction): boolean {
    const ref = this.locator.peek(fn)
    return ref !== undefined && ref !== null
  }

  discardPending(): void {
    this.discards++
    const dropped = this.queue.slice(this.queueHead)
    this.queue = []
    this.queueHead = 0
    for (const pending of dropped) pending.reject(new Discarded())
  }

  async close(): Promise<void> {
    this.closed = true
    this.discardPending()
    const pool = this.pool
    this.pool = undefined
    this.ready = false
    await pool?.destroy()
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

  /**
   * Runs a call on this thread: main-thread tasks, and tasks whose function a worker cannot
   * reach (with a warning). Buffers it sees are never moved to a worker afterwards.
   */
  private runHere(call: TaskCall, unreachable = false): unknown {
    if (unreachable) this.warnUnreachable(call)
    findBuffers(call.args, this.seenOnMain)
    const steps = call.steps ?? []
    const first: unknown = call.fn(...call.args)
    if (steps.length === 0) return first
    return (async () => {
      let step = 0
      try {
        let value: unknown = await first
        for (const next of steps) {
          step++
          // A fresh argument list per step: the step's own keeps no intermediate result alive.
          const args = next.args.slice()
          for (const hole of next.holes) args[hole] = value
          value = (await next.fn(...args)) as unknown
        }
        return value
      } catch (error) {
        throw step === 0 ? error : new StepFailed(step, error)
      }
    })()
  }

  private warnUnreachable(call: TaskCall): void {
    const fns = callFunctions(call)
    const warn = (fn: AnyFunction, what: string): void => {
      if (this.locator.peek(fn) !== null || this.warned.has(fn)) return
      this.warned.add(fn)
      const why = this.locator.isFromEntryScript(fn)
        ? `${what} comes from the program's entry script, which workers never import (that would run the program again), so it runs on the main thread. ` +
          'Move it to a module the script imports to run it in parallel.'
        : `${what} was made at run time, where a worker cannot find it, so it runs on the main thread. ` +
          'Hand it to taskgraph (delayed(), a bag operation, a properties() definition) in the top-level code of the workflow or of a module it imports, or export it from the workflow, to run it in parallel.'
      process.emitWarning(why, { code: 'TASKGRAPH_MAIN_THREAD' })
    }
    fns.forEach((fn, step) => {
      const key = step === 0 ? call.key : call.steps![step - 1]!.key
      warn(fn, `task ${JSON.stringify(key)}: function ${fn.name || taskName(call, step)}`)
    })
    for (const fn of argumentFunctions(call)) {
      warn(
        fn,
        `task ${JSON.stringify(call.key)}: function ${fn.name || '(anonymous)'}, passed as an argument,`,
      )
    }
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
      if (this.queueHead < this.queue.length && !this.closed) void this.start()
      return
    }
    while (
      this.queueHead < this.queue.length &&
      this.batchesInFlight < this.workers * 2 &&
      !this.closed
    ) {
      // A call with a timeout waits until a worker is idle: its clock starts when it is
      // sent, and must not run while it waits behind another batch.
      const head = this.queue[this.queueHead]!
      if (head.call.options.timeout !== undefined && this.batchesInFlight >= this.workers) break
      this.dispatch(this.takeBatch())
    }
    if (this.queueHead === this.queue.length && this.queueHead > 0) {
      this.queue = []
      this.queueHead = 0
    }
  }

  /** The next batch: calls whose known costs fit the target; an unknown cost goes alone. */
  private takeBatch(): Pending[] {
    const queued = this.queue.length - this.queueHead
    const first = this.queue[this.queueHead++]!
    if (first.isolate || first.call.options.timeout !== undefined) return [first]
    // Spread what is queued over every worker rather than fill one batch.
    const limit = Math.min(MAX_BATCH, Math.ceil(queued / this.workers))
    const batch = [first]
    let budget = BATCH_TARGET_MS - this.costOf(first)
    while (batch.length < limit && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead]!
      if (next.isolate || next.call.options.timeout !== undefined) break
      const cost = this.costOf(next)
      if (cost > budget) break
      budget -= cost
      batch.push(next)
      this.queueHead++
    }
    return batch
  }

  private costOf(pending: Pending): number {
    let total = 0
    for (const ref of pending.refs) total += this.costs.get(ref) ?? Infinity
    return total
  }

  private dispatch(batch: Pending[]): void {
    const calls: WireCall[] = []
    const sent: Pending[] = []
    const transfer = new Set<ArrayBuffer>()
    const sharedMemory = this.runtime === 'worker_threads'
    const functions: FunctionRef[] = []
    const indexOf = new Map<FunctionRef, number>()
    const index = (ref: FunctionRef): number => {
      let i = indexOf.get(ref)
      if (i === undefined) {
        i = functions.push(ref) - 1
        indexOf.set(ref, i)
      }
      return i
    }
    for (const pending of batch) {
      const wire = this.toWire(pending, index)
      const problem =
        checkArgs(wire.args, 'args', sharedMemory) ??
        (wire.steps ?? []).reduce<ReturnType<typeof findCloneProblem>>(
          (found, step, i) => found ?? checkArgs(step.args, `args of step ${i + 1}`, sharedMemory),
          undefined,
        )
      if (problem !== undefined) {
        pending.reject(new NotSerializable('argument', problem.path, problem.type, problem.reason))
        continue
      }
      if (sharedMemory && pending.call.owned !== undefined)
        this.collectMovable(pending.call, transfer)
      calls.push(wire)
      sent.push(pending)
    }
    if (sent.length === 0) return
    const request: BatchRequest = { preload: this.preload, functions, calls }
    const timeout = sent.length === 1 ? sent[0]!.call.options.timeout : undefined
    const signal = timeout === undefined ? undefined : AbortSignal.timeout(timeout)
    this.batchesInFlight++
    const pool = this.poolFor()
    const running = pool.run(request, {
      transferList: [...transfer],
      ...(signal === undefined ? {} : { signal }),
    })
    this.watchThreads(pool)
    running
      .then(
        (response: BatchResponse) => this.received(sent, response),
        (error: unknown) => this.lost(sent, error, timeout, signal),
      )
      .finally(() => {
        this.batchesInFlight--
        this.flush()
      })
  }

  /**
   * A call as it crosses to a worker: its functions by their place in the batch's table,
   * functions among the arguments by ref.
   */
  private toWire(pending: Pending, index: (ref: FunctionRef) => number): WireCall {
    const { call, refs } = pending
    const args = this.encodeArgs(call.args)
    const steps = call.steps
    if (steps === undefined) return { fn: index(refs[0]!), args }
    return {
      fn: index(refs[0]!),
      args,
      steps: steps.map((step, i) => ({
        fn: index(refs[i + 1]!),
        args: this.encodeArgs(step.args),
        holes: step.holes,
      })),
    }
  }

  private encodeArgs(args: unknown[]): unknown[] {
    if (allPrimitive(args)) return args
    return encodeFunctions(args, (fn) => this.locator.peek(fn)!) as unknown[]
  }

  /**
   * Buffers the call may take instead of a copy: from results it alone still needs,
   * that came whole from a worker and that no main-thread task has seen (which could
   * have kept another reference to them).
   */
  private collectMovable(call: TaskCall, transfer: Set<ArrayBuffer>): void {
    for (const owned of call.owned ?? []) {
      for (const buffer of findBuffers(owned.value)) {
        if (this.producedBy.get(buffer) === owned.key && !this.seenOnMain.has(buffer))
          transfer.add(buffer)
      }
    }
  }

  private received(sent: Pending[], response: BatchResponse): void {
    sent.forEach((pending, i) => this.settle(pending, response.outcomes[i]!))
  }

  private settle(pending: Pending, outcome: WireOutcome): void {
    const steps = pending.refs.length
    const ref = pending.refs[0]!
    const perCall = outcome.blockingMs / steps
    const known = this.costs.get(ref)
    this.costs.set(ref, known === undefined ? perCall : 0.7 * known + 0.3 * perCall)
    if (outcome.ok) {
      if (this.runtime === 'child_process') {
        pending.resolve(ownBuffers(outcome.value))
        return
      }
      // Buffers that moved here with this result may move on to the one task needing it.
      const producer = pending.call.steps?.at(-1)?.key ?? pending.call.key
      for (const buffer of findBuffers(outcome.value)) this.producedBy.set(buffer, producer)
      pending.resolve(outcome.value)
      return
    }
    const { failure, step } = outcome
    if (failure.kind === 'unreachable') {
      // The worker made the module's functions differently: run it here, correctly, and
      // keep its function (and any fused after it) on the main thread from now on.
      const fns = [pending.call.fn, ...(pending.call.steps ?? []).map((s) => s.fn)]
      const fn = fns[step]!
      if (!this.warned.has(fn)) {
        this.warned.add(fn)
        process.emitWarning(
          `task ${JSON.stringify(pending.call.key)}: ${failure.detail}, so function ${fn.name || taskName(pending.call, step)} runs on the main thread.`,
          { code: 'TASKGRAPH_MAIN_THREAD' },
        )
      }
      this.locator.markUnreachable(fn)
      Promise.resolve()
        .then(() => this.runHere(pending.call))
        .then(pending.resolve, pending.reject)
      return
    }
    const reason =
      failure.kind === 'threw'
        ? fromWireError(failure.error)
        : new NotSerializable('result', failure.path, failure.type, failure.reason)
    pending.reject(step === 0 ? reason : new StepFailed(step, reason))
  }

  private lost(
    sent: Pending[],
    error: unknown,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): void {
    if (this.closed) {
      for (const pending of sent) pending.reject(new Discarded())
      return
    }
    if (signal?.aborted === true && timeout !== undefined) {
      sent[0]!.reject(new TimedOut(timeout, true))
      return
    }
    if (sent.length > 1) {
      // One of them killed the worker; run each alone to find which, and let the rest finish.
      const retried = sent.map((pending) => ({ ...pending, isolate: true }))
      this.queue.splice(this.queueHead, 0, ...retried)
      return
    }
    const detail = error instanceof Error ? error.message : String(error)
    sent[0]!.reject(
      new WorkerLost(
        `the ${this.runtime === 'worker_threads' ? 'worker thread' : 'worker process'} died: ${detail}`,
        { cause: error },
      ),
    )
  }

  /**
   * Starts the workers now, rather than at the first task, and has each import its
   * preload modules and the modules that made task functions, so the first batches find
   * them loaded. Resolves once every worker is ready; never rejects: a pool whose workers
   * cannot start fails every queued call instead (and starts again for later ones).
   * @example const pool = new ThreadExecutor(); void pool.start() // while the graph is built
   */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.starting !== undefined) return this.starting
    const pool = new Tinypool({
      filename: WORKER_ENTRY.href,
      runtime: this.runtime,
      minThreads: this.workers,
      maxThreads: this.workers,
      // Atomics.wait between tasks would block a worker's pending async work.
      useAtomics: false,
      // Child processes exchange messages with V8's serializer, as threads do: BigInt,
      // Map, Date and typed arrays survive, where JSON would fail or flatten them.
      serialization: 'advanced',
      // Tinypool gives child processes an empty environment unless told otherwise;
      // tasks expect this process's (PATH, HOME, NODE_OPTIONS, their own settings).
      env: process.env as Record<string, string>,
    })
    // Errors of idle workers (tinypool replaces them) must not crash the process.
    pool.on('error', () => {})
    this.pool = pool
    const warmUp: BatchRequest = {
      preload: this.preload,
      functions: [],
      calls: [],
      modules: this.locator.modulesToWarm(),
    }
    const warmUps = Array.from({ length: this.workers }, () => pool.run(warmUp))
    this.watchThreads(pool)
    this.starting = Promise.all(warmUps).then(
      () => {
        this.ready = true
        this.flush()
      },
      (error: unknown) => {
        this.starting = undefined
        this.pool = undefined
        void pool.destroy()
        const reason = new WorkerLost(
          `the ${this.runtime === 'worker_threads' ? 'worker threads' : 'worker processes'} could not start: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        )
        const queued = this.queue.slice(this.queueHead)
        this.queue = []
        this.queueHead = 0
        for (const pending of queued) pending.reject(reason)
      },
    )
    return this.starting
  }

  /**
   * A worker thread that calls `process.exit()` ends without an error, and tinypool
   * would wait for its task forever. Report such an exit to tinypool as the error it is:
   * tinypool then fails the thread's tasks (so they are retried) and starts a new thread.
   * A thread tinypool ended itself has already left `pool.threads`.
   */
  private watchThreads(pool: Tinypool): void {
    if (this.runtime !== 'worker_threads') return
    for (const thread of pool.threads) {
      if (this.watched.has(thread)) continue
      this.watched.add(thread)
      thread.once('exit', (code: number) => {
        if (this.pool === pool && pool.threads.includes(thread)) {
          thread.emit('error', new Error(`the thread exited with code ${code}`))
        }
      })
    }
  }

  private poolFor(): Tinypool {
    return this.pool!
  }
}

/** The name of the task at `step` of a call (0: the call's own). */
function taskName(call: TaskCall, step: number): string {
  return step === 0 ? call.name : call.steps![step - 1]!.name
}

/** The task functions a call runs: its own, then each fused step's. */
function callFunctions(call: TaskCall): AnyFunction[] {
  return [call.fn, ...(call.steps ?? []).map((step) => step.fn)]
}

/** Functions passed as arguments to a call or its fused steps. */
function argumentFunctions(call: TaskCall): Set<AnyFunction> {
  const found = new Set<AnyFunction>()
  if (!allPrimitive(call.args)) findFunctions(call.args, found)
  for (const step of call.steps ?? []) if (!allPrimitive(step.args)) findFunctions(step.args, found)
  return found
}

/** What in a call's arguments cannot cross to a worker, if anything. */
function checkArgs(args: unknown[], path: string, sharedMemory: boolean) {
  return allPrimitive(args) ? undefined : findCloneProblem(args, path, sharedMemory)
}
