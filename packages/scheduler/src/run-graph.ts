import type { TaskGraph } from '@taskgraph/core'
import { AggregateTaskError, CancelledError, TaskError } from './errors.js'
import type { TaskCall } from './executor.js'
import type { TaskInfo } from './hooks.js'
import type { RunConfig } from './options.js'
import { ReadyQueue } from './ready-queue.js'

/** How long synchronous tasks may hold the event loop before the run yields to it. */
const YIELD_AFTER_MS = 16
/** Tasks launched between checks of the clock. */
const CLOCK_EVERY = 256

/**
 * Runs every node of `graph` on `config.executor` and resolves with the graph's
 * assembled targets. Ready tasks run smallest index first (the graph's chain-finishing
 * order); a result is dropped as soon as every task that needs it has finished, unless
 * it is an output.
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
  private readonly dependentStart: Int32Array
  private readonly dependentNodes: Int32Array
  private readonly queue: ReadyQueue
  private readonly failures: TaskError[] = []
  private readonly taskCount: number
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
    for (const output of graph.outputs) this.holders[output]!++
    this.dependentStart = dependentStart
    this.dependentNodes = dependentNodes
    this.taskCount = tasks
    this.queue = new ReadyQueue(size)
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
    const hooks = this.config.hooks
    const info: TaskInfo | undefined = hooks && { key: graph.key(i), name: graph.name(i) }
    if (info) hooks?.onTaskStart?.(info)
    const startedAt = info ? performance.now() : 0
    let out: unknown
    try {
      const call: TaskCall = {
        key: graph.key(i),
        name: graph.name(i),
        fn,
        args: graph.args(i, this.results),
      }
      out = this.config.executor.run(call)
    } catch (error) {
      this.fail(i, error, info, startedAt)
      return
    }
    if (isThenable(out)) {
      this.running++
      out.then(
        (value) => this.settle(() => this.complete(i, value, info, startedAt)),
        (error: unknown) => this.settle(() => this.fail(i, error, info, startedAt)),
      )
    } else {
      this.complete(i, out, info, startedAt)
    }
  }

  /** Records the end of an asynchronous task and carries on. */
  private settle(record: () => void): void {
    if (this.settled) return
    this.running--
    this.guard(() => {
      record()
      this.pump()
    })
  }

  private complete(i: number, value: unknown, info: TaskInfo | undefined, startedAt: number): void {
    const { results, holders, waiting, queue, dependentStart, dependentNodes } = this
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
      if (--waiting[dependent]! === 0) queue.push(dependent)
    }
  }

  private fail(i: number, error: unknown, info: TaskInfo | undefined, startedAt: number): void {
    this.failures.push(new TaskError(this.graph.key(i), this.graph.name(i), error, this.caller))
    if (this.config.failFast) this.stopping = true
    if (info)
      this.config.hooks?.onTaskEnd?.(info, { error, durationMs: performance.now() - startedAt })
  }

  /** Runs our own bookkeeping; an exception there (a throwing hook) fails the run. */
  private guard(step: () => void): void {
    try {
      step()
    } catch (error) {
      this.fatal ??= { error }
      this.stopping = true
      if (this.running === 0) this.finish()
    }
  }

  private finish(): void {
    if (this.settled) return
    this.settled = true
    this.config.signal?.removeEventListener('abort', this.onAbort)
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
    this.config.signal?.removeEventListener('abort', this.onAbort)
    try {
      this.config.hooks?.onFinish?.(this.summary())
    } catch {
      // The run ends cancelled either way. Rethrown, the hook's error would escape from
      // the AbortSignal's listener as an uncaught exception.
    }
    this.reject(new CancelledError(this.caller, this.config.signal?.reason))
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
