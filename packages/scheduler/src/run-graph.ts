import type { TaskGraph, TaskOptions } from '@taskgraph/core'
import { toTaskError } from './classify-failure.js'
import { AggregateTaskError, CancelledError, type TaskError } from './errors.js'
import type { FusedStep, OwnedValue, TaskCall } from './executor.js'
import { Discarded, NotSerializable, StepFailed, TimedOut } from './executor-failures.js'
import { planChains } from './fuse-chains.js'
import type { TaskInfo } from './hooks.js'
import type { RunConfig } from './options.js'
import { ReadyQueue } from './ready-queue.js'

/** How long synchronous tasks may hold the event loop before the run yields to it. */
const YIELD_AFTER_MS = 16
/** The longest delay setTimeout accepts. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** Tasks launched between checks of the clock. */
const CLOCK_EVERY = 256

/**
 * Runs every node of `graph` on `config.executor` and resolves with the graph's
 * assembled targets. Ready tasks run smallest index first (the graph's chain-finishing
 * order); a result is dropped as soon as every task that needs it has finished, unless
 * it is an output. Failed tasks are retried as their options allow.
 */
export function runGraph(graph: TaskGraph, config: RunConfig, caller: string): Promise<unknown[]> {
  return new GraphRun(graph, config, caller).start()
}

class GraphRun {
  private readonly results: unknown[]
  /** Unfinished dependencies of each node; it is ready at 0. */
  private readonly waiting: Int32Array
  /** Unfinished dependents of each node (+1 for outputs); its result is dropped at 0. */
  private readonly holders: Int32Array
  private readonly isOutput: Uint8Array
  private readonly dependentStart: Int32Array
  private readonly dependentNodes: Int32Array
  /** For remote executors: the task fused after each node (-1: none), and those fused in. */
  private readonly chainNext: Int32Array | undefined
  private readonly fusedIn: Uint8Array | undefined
  /** Attempts made so far, for retries. */
  private readonly attempts: Uint32Array
  /** Bumped when a task's current attempt is abandoned (timed out): late results are ignored. */
  private readonly tokens: Uint32Array
  private readonly queue: ReadyQueue
  private readonly failures: TaskError[] = []
  private readonly taskCount: number
  private readonly mergedOptions = new Map<TaskOptions, TaskOptions>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private running = 0
  private tasksDone = 0
  private stopping = false
  private settled = false
  /** An error of our own making (a hook threw): fails the run once tasks in flight end. */
  private fatal: { error: unknown } | undefined
  private lastYield = performance.now()
  private readonly startedAt = performance.now()
  private resolve!: (results: unknown[]) => void
  private reject!: (error: unknown) => void
  private readonly onAbort = (): void => this.abort()
  private readonly pumpLater = (): void => this.guard(() => this.pump())

  constructor(
    private readonly graph: TaskGraph,
    private readonly config: RunConfig,
    private readonly caller: string,
  ) {
    const size = graph.size
    const { depStart, depNodes } = graph
    this.results = new Array<unknown>(size)
    this.waiting = new Int32Array(size)
    this.holders = new Int32Array(size)
    this.isOutput = new Uint8Array(size)
    this.attempts = new Uint32Array(size)
    this.tokens = new Uint32Array(size)
    // Dependents are the dependency rows turned around (counting sort by dependency).
    const dependentStart = new Int32Array(size + 1)
    for (let e = 0; e < depNodes.length; e++) dependentStart[depNodes[e]! + 1]!++
    for (let i = 0; i < size; i++) dependentStart[i + 1]! += dependentStart[i]!
    const fill = dependentStart.slice(0, size)
    const dependentNodes = new Int32Array(depNodes.length)
    let tasks = 0
    for (let i = 0; i < size; i++) {
      this.waiting[i] = depStart[i + 1]! - depStart[i]!
      for (let e = depStart[i]!; e < depStart[i + 1]!; e++)
        dependentNodes[fill[depNodes[e]!]!++] = i
      if (graph.fn(i) !== undefined) tasks++
    }
    for (let i = 0; i < size; i++) this.holders[i] = dependentStart[i + 1]! - dependentStart[i]!
    for (const output of graph.outputs) {
      if (this.isOutput[output] === 0) this.holders[output]!++
      this.isOutput[output] = 1
    }
    this.dependentStart = dependentStart
    this.dependentNodes = dependentNodes
    this.taskCount = tasks
    this.queue = new ReadyQueue(size)
    const executor = config.executor
    if (executor.remote === true) {
      const chains = planChains(
        graph,
        dependentStart,
        dependentNodes,
        this.isOutput,
        (i) => this.optionsOf(i),
        (fn) => executor.canFuse?.(fn) ?? true,
      )
      this.chainNext = chains.next
      this.fusedIn = chains.fusedIn
    }
  }

  start(): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      const { signal, hooks, executor } = this.config
      if (signal?.aborted) {
        // Cancelled before it began: no hooks, since the run never started.
        this.settled = true
        reject(new CancelledError(this.caller, signal.reason))
        return
      }
      signal?.addEventListener('abort', this.onAbort, { once: true })
      this.guard(() => {
        hooks?.onStart?.({ tasks: this.taskCount, executor: executor.name })
        for (let i = 0; i < this.graph.size; i++) if (this.waiting[i] === 0) this.queue.push(i)
        this.pump()
      })
    })
  }

  /** Launches ready tasks while there is room, then checks whether the run is over. */
  private pump(): void {
    if (this.settled) return
    const limit = this.config.executor.concurrency
    let sinceClock = 0
    while (this.running < limit && this.queue.size > 0 && !this.stopping) {
      this.launch(this.queue.pop())
      if (++sinceClock === CLOCK_EVERY) {
        sinceClock = 0
        // Synchronous tasks complete inside launch(); give timers, I/O and signals a
        // turn now and then so progress displays update and Ctrl-C is heard.
        const now = performance.now()
        if (now - this.lastYield > YIELD_AFTER_MS) {
          this.lastYield = now
          setImmediate(this.pumpLater)
          return
        }
      }
    }
    if (this.running === 0 && (this.queue.size === 0 || this.stopping)) this.finish()
  }

  private launch(i: number): void {
    const graph = this.graph
    const fn = graph.fn(i)
    if (fn === undefined) {
      this.complete(i, graph.value(i), undefined, 0)
      return
    }
    const members = this.chainOf(i)
    const hooks = this.config.hooks
    const infos: TaskInfo[] | undefined =
      hooks && members.map((m) => ({ key: graph.key(m), name: graph.name(m) }))
    if (infos) for (const info of infos) hooks?.onTaskStart?.(info)
    const startedAt = infos ? performance.now() : 0
    const options = this.optionsOf(i)
    let out: unknown
    try {
      out = this.config.executor.run(this.callOf(i, fn, options, members))
    } catch (error) {
      this.failed(members, error, infos, startedAt)
      return
    }
    if (!isThenable(out)) {
      this.succeeded(members, out, infos, startedAt)
      return
    }
    this.running++
    const token = this.tokens[i]!
    const current = (): boolean => !this.settled && this.tokens[i] === token
    let timer: NodeJS.Timeout | undefined
    if (options.timeout !== undefined && this.config.executor.enforcesTimeouts !== true) {
      // This executor cannot stop a task: stop waiting for it and drop its result.
      timer = this.startTimer(options.timeout, () => {
        if (!current()) return
        this.tokens[i]!++
        this.settle(() =>
          this.failed(members, new TimedOut(options.timeout!, false), infos, startedAt),
        )
      })
    }
    out.then(
      (value) => {
        if (!current()) return
        this.clearTimer(timer)
        this.settle(() => this.succeeded(members, value, infos, startedAt))
      },
      (error: unknown) => {
        if (!current()) return
        this.clearTimer(timer)
        this.settle(() => this.failed(members, error, infos, startedAt))
      },
    )
  }

  /** The nodes a call runs: `i`, then any tasks fused after it. */
  private chainOf(i: number): number[] {
    const members = [i]
    const next = this.chainNext
    if (next !== undefined) for (let m = next[i]!; m !== -1; m = next[m]!) members.push(m)
    return members
  }

  private callOf(i: number, fn: TaskCall['fn'], options: TaskOptions, members: number[]): TaskCall {
    const graph = this.graph
    const call: {
      -readonly [K in keyof TaskCall]: TaskCall[K]
    } = {
      key: graph.key(i),
      name: graph.name(i),
      fn,
      args: graph.args(i, this.results),
      options,
      mainThread: graph.runsOnMainThread(i),
    }
    if (this.config.executor.remote !== true) return call
    if (members.length > 1) {
      call.steps = members.slice(1).map((m): FusedStep => ({
        key: graph.key(m),
        name: graph.name(m),
        fn: graph.fn(m)!,
        args: graph.args(m, this.results),
        holes: graph.holes(m)!,
      }))
    }
    const owned: OwnedValue[] = []
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
      const dependency = graph.depNodes[e]!
      if (this.holders[dependency] === 1 && this.isOutput[dependency] === 0) {
        owned.push({ key: graph.key(dependency), value: this.results[dependency] })
      }
    }
    if (owned.length > 0) call.owned = owned
    return call
  }

  /** Records the end of an asynchronous call and carries on. */
  private settle(record: () => void): void {
    if (this.settled) return
    this.running--
    this.guard(() => {
      record()
      this.pump()
    })
  }

  private succeeded(
    members: number[],
    value: unknown,
    infos: TaskInfo[] | undefined,
    startedAt: number,
  ): void {
    const last = members.length - 1
    // Intermediate results of a fused chain stayed in the worker: nobody else reads them.
    for (let m = 0; m < last; m++) this.complete(members[m]!, undefined, infos?.[m], startedAt)
    this.complete(members[last]!, value, infos?.[last], startedAt)
  }

  private failed(
    members: number[],
    error: unknown,
    infos: TaskInfo[] | undefined,
    startedAt: number,
  ): void {
    if (error instanceof Discarded) return
    let step = 0
    let reason = error
    if (error instanceof StepFailed) {
      step = error.step
      reason = error.reason
    }
    for (let m = 0; m < step; m++) this.complete(members[m]!, undefined, infos?.[m], startedAt)
    this.fail(members[step]!, reason, infos?.[step], startedAt)
  }

  private complete(i: number, value: unknown, info: TaskInfo | undefined, startedAt: number): void {
    const { results, holders, waiting, queue, dependentStart, dependentNodes, fusedIn } = this
    const { depStart, depNodes } = this.graph
    results[i] = value
    if (this.graph.fn(i) !== undefined) this.tasksDone++
    if (info) this.config.hooks?.onTaskEnd?.(info, { durationMs: performance.now() - startedAt })
    for (let e = depStart[i]!; e < depStart[i + 1]!; e++) {
      const dependency = depNodes[e]!
      if (--holders[dependency]! === 0) results[dependency] = undefined
    }
    for (let e = dependentStart[i]!; e < dependentStart[i + 1]!; e++) {
      const dependent = dependentNodes[e]!
      // A task fused after this one already ran in the same call.
      if (--waiting[dependent]! === 0 && fusedIn?.[dependent] !== 1) queue.push(dependent)
    }
  }

  private fail(i: number, error: unknown, info: TaskInfo | undefined, startedAt: number): void {
    const graph = this.graph
    const { retries = 0, retryDelay = 0 } = this.optionsOf(i)
    const attempt = this.attempts[i]!
    if (attempt < retries && !this.stopping && !(error instanceof NotSerializable)) {
      this.attempts[i] = attempt + 1
      // Doubling, up to the longest delay a timer takes.
      const delayMs = Math.min(retryDelay * 2 ** attempt, MAX_TIMER_MS)
      if (info) this.config.hooks?.onTaskRetry?.(info, { error, attempt: attempt + 1, delayMs })
      // The retry counts as running, so the run cannot end while it waits.
      this.running++
      this.startTimer(delayMs, () => {
        this.running--
        this.guard(() => {
          if (!this.stopping) this.queue.push(i)
          this.pump()
        })
      })
      return
    }
    const failure = toTaskError(graph.key(i), graph.name(i), error, this.caller, attempt + 1)
    this.failures.push(failure)
    if (this.config.failFast && !this.stopping) {
      this.stopping = true
      // Calls the executor accepted but has not started are dropped, not waited for.
      this.config.executor.discardPending?.()
    }
    if (info)
      this.config.hooks?.onTaskEnd?.(info, {
        error: failure,
        durationMs: performance.now() - startedAt,
      })
  }

  private optionsOf(i: number): TaskOptions {
    const own = this.graph.options(i)
    let merged = this.mergedOptions.get(own)
    if (merged === undefined) {
      const defaults = this.config.taskDefaults
      merged = {
        retries: own.retries ?? defaults.retries,
        retryDelay: own.retryDelay ?? defaults.retryDelay,
        timeout: own.timeout ?? defaults.timeout,
      }
      this.mergedOptions.set(own, merged)
    }
    return merged
  }

  private startTimer(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      action()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  private clearTimer(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return
    clearTimeout(timer)
    this.timers.delete(timer)
  }

  /** Runs our own bookkeeping; an exception there (a throwing hook) fails the run. */
  private guard(step: () => void): void {
    try {
      step()
    } catch (error) {
      this.fatal ??= { error }
      this.stopping = true
      this.config.executor.discardPending?.()
      if (this.running === 0) this.finish()
    }
  }

  private finish(): void {
    if (this.settled) return
    this.settled = true
    this.cleanUp()
    try {
      this.config.hooks?.onFinish?.(this.summary())
    } catch (error) {
      this.fatal ??= { error }
    }
    if (this.fatal) this.reject(this.fatal.error)
    else if (this.failures.length > 0) {
      this.reject(
        this.config.failFast
          ? this.failures[0]
          : new AggregateTaskError(this.failures, this.caller),
      )
    } else this.resolve(this.graph.assemble(this.results))
  }

  private abort(): void {
    if (this.settled) return
    this.settled = true
    this.stopping = true
    this.cleanUp()
    this.config.executor.discardPending?.()
    try {
      this.config.hooks?.onFinish?.(this.summary())
    } catch {
      // The run ends cancelled either way. Rethrown, the hook's error would escape from
      // the AbortSignal's listener as an uncaught exception.
    }
    this.reject(new CancelledError(this.caller, this.config.signal?.reason))
  }

  private cleanUp(): void {
    this.config.signal?.removeEventListener('abort', this.onAbort)
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private summary() {
    const failed = this.failures.length
    return {
      done: this.tasksDone,
      failed,
      skipped: this.taskCount - this.tasksDone - failed - this.running,
      elapsedMs: performance.now() - this.startedAt,
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}
