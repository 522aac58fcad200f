import { setMaxListeners } from 'node:events'
import type { TaskGraph } from '@taskgraph/core/internal'
import {
  CancelledError,
  DepthLimitError,
  UncaughtExceptionError,
  UnhandledRejectionError,
  type TaskError,
} from '../errors.js'
import {
  DiscardedFault,
  ReturnedGraphFault,
  StalledFault,
  TimedOutFault,
  UncaughtExceptionFault,
  UnhandledRejectionFault,
  UnreachableFault,
  UnsendableStepFault,
  WorkerLostFault,
} from '../executors/executor-faults.js'
import type { StepResult, TaskCall } from '../executors/executor.js'
import { watchIdle, type IdleWatcher } from '../executors/idle-watch.js'
import {
  leaveExceptionToNode,
  runInTask,
  watchOutsideFailures,
  type OutsideFailure,
} from '../executors/task-context.js'
import { failingFunctionName, isThenable } from '@taskgraph/core/internal'
import { inspectableFailure, toTaskError } from './classify-failure.js'
import { failedStep, newFlight, type Flight } from './flight.js'
import type { TaskInfo } from './hooks.js'
import { RunCache, type CachedRun } from './run-cache.js'
import { doNothing, lateReporter, makeCall, type RunLink } from './make-call.js'
import type { RunConfig } from './options.js'
import { ReadyQueue } from './ready-queue.js'
import { holdsGraph } from '../wire/returned-graph.js'
import { runReturnedGraph } from './returned-graph.js'
import { TasksAddedInfo } from './tasks-added.js'
import { runFailureOf, warnLateException, warnLateRejection } from './run-failures.js'
import { RunState } from './run-state.js'
import { onAbort } from './signal-watch.js'
import { RunTally } from './run-tally.js'
import { TaskAnnouncer } from './task-announcer.js'
import { TaskRecorder } from './task-recorder.js'
import { MergedOptions, Retries } from './task-options.js'
import { TimerSet } from './timer-set.js'
import { YieldClock } from './yield-clock.js'

/**
 * Runs every node of `graph` on `config.executor` and resolves with the graph's
 * assembled targets. Ready tasks run smallest index first (the graph's chain-finishing
 * order); a result is dropped as soon as every task that needs it has finished, unless
 * it is an output. Failed tasks are retried as their options allow.
 */
export function runGraph(
  graph: TaskGraph,
  config: RunConfig,
  caller: string,
  cache?: CachedRun,
  depth = 0,
): Promise<unknown[]> {
  return new GraphRun(graph, config, caller, cache, depth).start()
}

class GraphRun implements IdleWatcher {
  private readonly state: RunState
  private readonly retries: Retries
  /** Bumped when a call is abandoned (timed out, stalled): its late settling is ignored. */
  private readonly tokens: Uint32Array
  private readonly announcer: TaskAnnouncer
  private readonly recorder: TaskRecorder
  /** Calls in flight, by the node that heads them. */
  private readonly inFlight = new Map<number, Flight>()
  private readonly queue: ReadyQueue
  private readonly tally: RunTally
  /** The cache's side of an executor whose results are references (see CacheTransfer). */
  /** The run's cache, if it has one. */
  private readonly cache: RunCache | undefined
  private readonly options: MergedOptions
  private readonly timers = new TimerSet()
  private readonly clock = new YieldClock()
  /**
   * Aborted when the run stops waiting: the executor drops this run's queued calls. As
   * many may listen as there are calls in flight (the async executor gives back their
   * room then) and graphs running for its tasks: no limit, and no warning past ten.
   */
  private readonly stopper = unlimited(new AbortController())
  private running = 0
  private stopping = false
  private settled = false
  private resolve!: (results: unknown[]) => void
  private reject!: (error: unknown) => void
  private unwatch: (() => void)[] = []
  /** How calls reach this run for late reports; cut when the run ends. */
  private readonly link: RunLink = { run: this }
  private readonly onAbort = (): void => this.abort()
  /** `executor.run`, made once (see `runInTask`). */
  private readonly runCall = (call: TaskCall): unknown => this.config.executor.run(call)
  private readonly pumpLater = (): void => {
    this.clock.yielded()
    this.guard(() => this.pump())
  }
  /**
   * Pumps after a full turn of the event loop. One immediate is not enough: set from the
   * loop's poll phase (an I/O callback, a promise settled there), it runs in that same
   * turn, before timers and signals; the second is set in the check phase, so it runs
   * only after the next turn's timers and poll.
   */
  private readonly pumpAfterTurn = (): void => void setImmediate(this.pumpLater)

  constructor(
    private readonly graph: TaskGraph,
    private readonly config: RunConfig,
    private readonly caller: string,
    cached: CachedRun | undefined,
    /** How many tasks returning graphs this run is nested in (see returned-graph.ts). */
    private readonly depth: number,
  ) {
    const size = graph.size
    this.tokens = new Uint32Array(size)
    this.announcer = new TaskAnnouncer(graph, config.hooks)
    this.recorder = new TaskRecorder(graph, config.hooks, config.executor.name)
    this.options = new MergedOptions(graph, config.taskDefaults)
    this.retries = new Retries(size, this.options)
    this.queue = new ReadyQueue(size)
    const executor = config.executor
    const cache =
      cached === undefined ? undefined : new RunCache(cached, graph, executor, this.stopper.signal)
    this.cache = cache
    this.state = new RunState(
      graph,
      executor.remote === true
        ? {
            optionsOf: (i) => this.options.of(i),
            canFuse: (fn) => executor.canFuse?.(fn) ?? true,
            // A stored result must come back: fused, only from an executor that returns steps.
            ...(cache === undefined || executor.returnsSteps === true
              ? {}
              : { stored: (i: number) => cache.stores(i) }),
          }
        : null,
      cache === undefined ? executor.release?.bind(executor) : cache.release(executor),
    )
    this.tally = new RunTally(this.state.taskCount, cache?.hits.length ?? 0)
  }

  start(): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
      const { signal, hooks, executor } = this.config
      if (signal?.aborted) {
        // Cancelled before it began: no hooks, since the run never started.
        this.settled = true
        this.recorder.close()
        reject(new CancelledError({ caller: this.caller, reason: signal.reason }))
        return
      }
      this.unwatch = [watchIdle(this), watchOutsideFailures()]
      if (signal !== undefined) this.unwatch.push(onAbort(signal, this.onAbort))
      this.guard(() => {
        hooks?.onStart?.({ tasks: this.state.taskCount, executor: executor.name })
        for (const { key, name } of this.cache?.hits ?? []) this.recorder.cached(key, name)
        for (let i = 0; i < this.graph.size; i++) if (this.state.isReady(i)) this.queue.push(i)
        this.pump()
      })
    })
  }

  /** Launches ready tasks while there is room, then checks whether the run is over. */
  private pump(): void {
    if (this.settled) return
    const executor = this.config.executor
    const limit = executor.concurrency
    // A run with nothing in flight launches one task even into a saturated executor:
    // other runs on it hold the room, and no call of this run would ever end to pump it.
    while (
      this.running < limit &&
      this.queue.size > 0 &&
      !this.stopping &&
      (this.running === 0 || executor.saturated?.() !== true)
    ) {
      this.launch(this.queue.pop())
      if (this.clock.due()) {
        // Synchronous tasks complete inside launch(): give timers, I/O and signals a
        // turn, so progress displays update and Ctrl-C is heard.
        setImmediate(this.pumpAfterTurn)
        return
      }
    }
    if (this.running === 0 && (this.queue.size === 0 || this.stopping)) this.finish()
  }

  private launch(i: number): void {
    const graph = this.graph
    const fn = graph.fn(i)
    if (fn === undefined) {
      const value = graph.value(i)
      // A cached result that tasks on the executor need goes into its store first.
      if (this.cache?.mustKeep(i) === true && !this.state.isOutput(i)) {
        this.keepCached(i, value)
        return
      }
      this.complete(i, value, undefined, 0)
      return
    }
    const members = this.state.chainOf(i)
    const flight = newFlight(members)
    const options = this.options.of(i)
    const executor = this.config.executor
    // Hooks hear of a start when the call begins: at once, or when the executor says so.
    if (executor.reportsStarts !== true) this.begin(flight)
    const token = this.tokens[i]!
    const key = graph.key(i)
    // Named now: the reporter outlives the call, and must not keep its arguments.
    const late = lateReporter(this.link, members, token, key, this.failingName(i))
    const attempt = this.retries.made(i) + 1
    this.recorder.launched(flight, attempt)
    const stepsWanted = members.length > 1 ? this.cache?.wantedSteps(members) : undefined
    if (stepsWanted !== undefined) flight.wanted = new Set(stepsWanted)
    // A result made in a worker comes as a copy: checked there if the cache stores it.
    const checked = executor.remote === true && this.cache?.stores(members.at(-1)!) === true
    // An executor that cannot stop a task is held to the timeout here instead, from the
    // call's start: when handed over, or when an executor that queues calls says so. So is
    // a task an executor that stops its own runs on this thread (`mainThread`): no worker
    // of its can be ended for it.
    const timeout =
      executor.enforcesTimeouts === true && !graph.runsOnMainThread(i) ? undefined : options.timeout
    const call = makeCall(this.state, i, members, {
      key,
      fn,
      options,
      signal: this.stopper.signal,
      attempt,
      lateFailure: late,
      // From the executor: a hook that throws there fails the run, as anywhere else.
      started:
        executor.reportsStarts === true
          ? (agoMs, worker) => {
              this.recorder.began(flight, worker)
              this.guard(() => this.begin(flight, agoMs))
              if (this.cache !== undefined) flight.handedAt = performance.now() - (agoMs ?? 0)
              // Begun after it was handed over: its time runs from now.
              if (timeout !== undefined) flight.timedFrom = performance.now() - (agoMs ?? 0)
              if (timeout !== undefined && this.inFlight.get(i) === flight) {
                flight.timer ??= this.timeLimit(i, token, timeout, agoMs)
              }
            }
          : doNothing,
      // Only workers measure a call: in-process executors run it on this thread, timed here.
      timed: executor.remote === true ? this.timer(flight) : undefined,
      remote: executor.remote === true,
      ...(stepsWanted !== undefined && {
        stepsWanted,
        stepWorth: this.cache?.stepWorth(members, stepsWanted),
        stepResult: (step, result) => this.guard(() => this.stepReturned(flight, step, result)),
      }),
      ...(checked && { resultChanged: (problem: string) => (flight.changed = problem) }),
    })
    if (executor.abandoned !== undefined) flight.call = call
    const callStart = timeout === undefined && this.cache === undefined ? 0 : performance.now()
    // An executor that reports the call's start moves this to it (see `started`).
    if (timeout !== undefined) flight.timedFrom = callStart
    // A cache weighs each result's cost (see `CacheSession.completed`).
    if (this.cache !== undefined) flight.handedAt = callStart
    let out: unknown
    let pending: PromiseLike<unknown> | undefined
    try {
      // Code the task starts on this thread carries its context, so a rejection nothing
      // handled is traced back to it; a remote executor's workers do their own tracing.
      out = executor.remote === true ? executor.run(call) : runInTask(late, this.runCall, call)
      // Reading `then` may run the task's code too (a getter, a Proxy's trap): what it
      // throws is the task's failure, as `await` would make it.
      pending = isThenable(out) ? out : undefined
    } catch (error) {
      this.failed(flight, error)
      return
    }
    if (pending === undefined) {
      if (timeout !== undefined && performance.now() - callStart > timeout) {
        this.failed(flight, new TimedOutFault(timeout, 'overran'))
      } else this.succeeded(flight, out)
      return
    }
    this.running++
    // Unreferenced: a promise that nothing else in the event loop could settle is stalled
    // (`onIdle`), with or without a timeout, as it is in a worker.
    // From when the call began: an async function's code before its first `await` ran
    // inside `run`, and counts.
    if (timeout !== undefined && (executor.reportsStarts !== true || flight.begun)) {
      flight.timer = this.timeLimit(i, token, timeout, performance.now() - flight.timedFrom)
    }
    this.inFlight.set(i, flight)
    // Through Promise.resolve: a thenable of the task's own whose `then` throws rejects.
    Promise.resolve(pending).then(
      (value) => {
        if (!this.current(i, token)) return
        // Settled before its time limit could fire: a call that held the thread past it
        // (synchronous code, begun when it got room on a shared executor) overran.
        if (timeout !== undefined && performance.now() - flight.timedFrom > timeout) {
          this.settle(i, () => this.failed(flight, new TimedOutFault(timeout, 'overran')))
          return
        }
        this.settle(i, () => this.succeeded(flight, value))
      },
      (error: unknown) => {
        if (!this.current(i, token)) return
        this.settle(i, () => this.failed(flight, error))
      },
    )
  }

  /**
   * Abandons the call of node `i` with a `TimedOutFault` once `timeout` ms have passed
   * since it began (`agoMs` ago).
   */
  private timeLimit(i: number, token: number, timeout: number, agoMs = 0): NodeJS.Timeout {
    return this.timers.start(
      Math.max(0, timeout - agoMs),
      () => this.abandon(i, token, new TimedOutFault(timeout, 'abandoned')),
      { keepAlive: false },
    )
  }

  /**
   * Where a worker's measure of the call goes: to the task records if kept, and for a
   * cache, which weighs each result by what it cost to make.
   */
  private timer(flight: Flight): TaskCall['timed'] {
    return this.recorder.timer(flight) ?? this.cache?.timer(flight)
  }

  /** Hands the dependents of node `i`, a cached result, the executor's reference to it. */
  private keepCached(i: number, value: unknown): void {
    this.await(this.cache!.keep(i, value), (kept) => this.state.complete(i, kept, this.queue))
  }

  /**
   * Waits for `work` as for a call in flight (the run cannot end meanwhile), then
   * records its outcome with `done` or `failed` and carries on, unless the run has ended.
   */
  private await<T>(
    work: Promise<T>,
    done: (value: T) => void,
    failed: (error: unknown) => void = doNothing,
  ): void {
    this.running++
    const resume = (record: () => void): void => {
      if (this.settled) return
      this.running--
      this.guard(() => {
        record()
        this.pump()
      })
    }
    work.then(
      (value) => resume(() => done(value)),
      (error: unknown) => resume(() => failed(error)),
    )
  }

  /** Whether the call of `i` made with `token` is still the one awaited. */
  private current(i: number, token: number): boolean {
    return !this.settled && this.tokens[i] === token
  }

  /** Stops awaiting a call (timed out, stalled): it fails now, and its settling is ignored. */
  private abandon(i: number, token: number, reason: unknown): void {
    const flight = this.inFlight.get(i)
    if (flight === undefined || !this.current(i, token)) return
    this.tokens[i]!++
    if (flight.call !== undefined) this.config.executor.abandoned?.(flight.call)
    this.settle(i, () => this.failed(flight, reason))
  }

  /** The event loop is empty: no call still awaited here can ever settle. */
  onIdle(): boolean {
    const stalled = [...this.inFlight.keys()]
    for (const i of stalled) this.abandon(i, this.tokens[i]!, new StalledFault())
    return stalled.length > 0
  }

  /** The call begins: the hooks hear of its tasks' start (once). */
  private begin(flight: Flight, agoMs?: number): void {
    if (!this.settled) this.announcer.begin(flight, agoMs)
  }

  /** Records the end of an asynchronous call and carries on. */
  private settle(i: number, record: () => void): void {
    if (this.settled) return
    const flight = this.inFlight.get(i)
    this.timers.clear(flight?.timer)
    this.inFlight.delete(i)
    this.running--
    this.guard(() => {
      record()
      this.pump()
    })
  }

  private succeeded(flight: Flight, value: unknown): void {
    this.begin(flight)
    const { members, infos, startedAt } = flight
    for (let m = 0; m < members.length; m++) this.recorder.ended(flight, m, 'done')
    const last = members.length - 1
    for (let m = 0; m < last; m++) this.completeStep(flight, m)
    this.letGoOfSteps(flight)
    if (holdsGraph(value)) this.runReturned(members[last]!, value, infos?.[last], startedAt)
    else {
      const i = members[last]!
      const durationMs = this.durationOf(flight, last)
      // A copy that is not what the task made is the run's result, but not the cache's.
      const { changed } = flight
      if (changed !== undefined) this.cache?.notStored(i, changed, durationMs)
      this.complete(i, value, infos?.[last], startedAt, durationMs, changed === undefined)
    }
  }

  /**
   * Task `i` returned a graph: it stands for that graph's result, run now as a run
   * nested in this one. The task ends (for the hooks) once that result is in.
   */
  private runReturned(
    i: number,
    value: unknown,
    info: TaskInfo | undefined,
    startedAt: number,
  ): void {
    const { maxDepth } = this.config
    if (this.depth >= maxDepth) {
      const error = new DepthLimitError({ caller: this.caller, key: this.graph.key(i), maxDepth })
      this.fail(i, error, false, info, startedAt)
      return
    }
    const parent = info ?? { key: this.graph.key(i), name: this.graph.name(i) }
    // An impure task in the graph (or in one its tasks return) makes its result, if the
    // run's cache stores it, one the cache must not keep: the task would not run again.
    // So do functions holding state the task's key does not cover (the cache says which).
    let unkept: string | undefined
    const nested = runReturnedGraph(value, this.config, {
      caller: this.caller,
      parent,
      signal: this.stopper.signal,
      listener: {
        added: (added) => {
          if (
            unkept === undefined &&
            this.cache?.stores(i) === true &&
            added instanceof TasksAddedInfo
          ) {
            const impure = added.impureTask()
            unkept =
              impure === undefined
                ? this.cache.returned(added.collected())
                : `it returned a graph holding the impure task ${JSON.stringify(impure)}, which runs every time`
          }
          this.tally.added(added.tasks)
          this.config.hooks?.onTasksAdded?.(added)
        },
        finished: (summary) => this.tally.absorb(summary),
      },
      runNested: (graph, config) => runGraph(graph, config, this.caller, undefined, this.depth + 1),
    })
    // The task ends once its graph's result is in; the run cannot end meanwhile.
    this.await(
      nested,
      (result) => {
        if (unkept !== undefined) this.cache?.notStored(i, unkept, undefined)
        this.complete(i, result, info, startedAt, undefined, unkept === undefined)
      },
      (error) => this.fail(i, error, true, info, startedAt),
    )
  }

  /**
   * A step of a fused call returned a graph, which ended the call there: the steps up to
   * it are done, the graph runs for it, and the rest of the chain runs as calls of its
   * own once it has the graph's result.
   */
  private cutShort(flight: Flight, { step, value }: ReturnedGraphFault): void {
    this.begin(flight)
    const { members, infos, startedAt } = flight
    for (let m = 0; m <= step; m++) this.recorder.ended(flight, m, 'done')
    for (let m = 0; m < step; m++) this.completeStep(flight, m)
    this.letGoOfSteps(flight)
    this.state.unfuse([members[step]!])
    this.runReturned(members[step]!, value, infos?.[step], startedAt)
  }

  private failed(flight: Flight, thrown: unknown): void {
    const error = inspectableFailure(thrown)
    if (error instanceof ReturnedGraphFault) {
      this.cutShort(flight, error)
      return
    }
    const { members } = flight
    const runFailure = runFailureOf(error, {
      caller: this.caller,
      executor: this.config.executor.name,
      key: this.graph.key(members[0]!),
      stopping: this.stopping,
    })
    if (runFailure !== undefined) {
      this.failRun(runFailure.error)
      return
    }
    if (error instanceof DiscardedFault) return
    if (error instanceof WorkerLostFault && members.length > 1) {
      this.chainLost(flight)
      return
    }
    if (error instanceof UnsendableStepFault) {
      this.splitChain(flight, [error.step])
      return
    }
    if (error instanceof UnreachableFault && members.length > 1) {
      // That step alone: on a pool, it may run here while the steps after it go on in a
      // worker.
      this.splitChain(flight, [error.step, error.step + 1])
      return
    }
    // A task that fails before it began (its data could not be sent) still starts and
    // ends, for the hooks.
    this.begin(flight)
    const { infos, startedAt } = flight
    const { step, reason, input } = failedStep(error)
    for (let m = 0; m < step; m++) this.recorder.ended(flight, m, 'done')
    this.recorder.ended(flight, step, 'failed', reason)
    for (let m = 0; m < step; m++) {
      // The step before the failed one hands over its result, so a retry can resume.
      this.completeStep(flight, m, m === step - 1 ? input : undefined)
    }
    this.letGoOfSteps(flight)
    // A retry of the failed step resumes the chain from there, as a call of its own.
    if (step > 0) this.state.unfuse([members[step - 1]!])
    this.fail(members[step]!, reason, step === 0 || input !== undefined, infos?.[step], startedAt)
  }

  /**
   * A fused chain lost its worker. Its first steps whose results the executor brought
   * back, for the cache, are done: their tasks complete with them (a cluster's stored
   * results; on a pool, every step up to the last brought back, `Flight.resume`), and
   * the rest of the chain runs again. Otherwise one of its steps ended its worker: the
   * chain runs again a step per call, so that the step at fault is the one charged. No
   * attempt is used up either way.
   */
  private chainLost(flight: Flight): void {
    const { members, resume } = flight
    let done = 0
    while (done < members.length - 1 && flight.returned?.get(done) !== undefined) done++
    if (done === 0 && resume !== undefined) done = resume.step + 1
    if (done === 0) {
      this.letGoOfSteps(flight)
      this.state.unfuse(members)
      this.queue.push(members[0]!)
      return
    }
    // The last step done hands its result to the rest, which becomes ready as it
    // completes; the steps before it stay fused, so that none is made ready again.
    this.state.unfuse([members[done - 1]!])
    this.begin(flight)
    for (let m = 0; m < done; m++) {
      this.recorder.ended(flight, m, 'done')
      this.completeStep(flight, m, m === resume?.step ? resume : undefined)
    }
    this.letGoOfSteps(flight)
  }

  /**
   * A step of a fused chain has an argument that cannot be sent, or a function its
   * worker cannot run, and nothing of the chain ran: the chain is split before each step
   * of `cuts` (those after its first) and runs again, so that the steps before that step
   * run (their results count) and the step fails, or runs where it can, as a call of its
   * own, named as itself, as it would unfused. No attempt is used up.
   */
  private splitChain(flight: Flight, cuts: readonly number[]): void {
    const { members } = flight
    this.letGoOfSteps(flight)
    this.state.unfuse(cuts.filter((m) => m > 0 && m < members.length).map((m) => members[m - 1]!))
    this.queue.push(members[0]!)
  }

  /** How long step `m` of `flight` ran, for a run with a cache (else not measured). */
  private durationOf(flight: Flight, m: number): number | undefined {
    return this.cache?.durationOf(flight, m)
  }

  /**
   * Step `step` of `flight` ended, and the executor brought its result back for the cache
   * (`Flight.wanted`): the cache has it at once, so a run stopped before the chain ends
   * keeps it. Its task completes with the chain.
   */
  private stepReturned(flight: Flight, step: number, result: StepResult): void {
    // Once the chain has ended, what it brought back is done with.
    if (this.settled || flight.wanted === undefined || flight.returned?.has(step) === true) return
    const byReference = this.config.executor.resultsByReference === true
    const brought = 'value' in result
    ;(flight.returned ??= new Map()).set(step, brought && byReference ? result.value : undefined)
    if (brought && !byReference) flight.resume = { step, value: result.value }
    const { members, wanted } = flight
    // Its time counts the steps before it not asked for (see `StepResult`), which are
    // weighed first as taking none, so that what they cost reaches it through them.
    let first = step
    while (first > 0 && !wanted.has(first - 1)) first--
    for (let m = first; m < step; m++) this.cache?.completed(members[m]!, undefined, 0)
    const i = members[step]!
    if (brought) this.cache?.completed(i, result.value, result.durationMs)
    else if ('notWorthKeeping' in result) this.cache?.passedOver(i, result.durationMs)
    else this.cache?.notStored(i, result.problem, result.durationMs)
  }

  /**
   * Step `m` of `flight`, not its last, is done. Its result stayed in the worker, unless
   * the executor brought it back for the cache (`stepReturned`, which stored it) or
   * `handed` brings it (a failed step's input); a result the cache wanted that did not
   * come is not stored.
   */
  private completeStep(flight: Flight, m: number, handed?: { readonly value: unknown }): void {
    const i = flight.members[m]!
    const returned = flight.returned?.has(m) === true
    const value = flight.returned?.get(m) ?? handed?.value
    const toCache = !returned && (handed !== undefined || flight.wanted?.has(m) !== true)
    const { infos, startedAt } = flight
    this.complete(i, value, infos?.[m], startedAt, this.durationOf(flight, m), toCache)
  }

  /**
   * The chain of `flight` has ended: what it brought back for the cache is let go (the
   * executor may keep the call's report of it a while: see pool/recent-calls.ts).
   */
  private letGoOfSteps(flight: Flight): void {
    flight.wanted = undefined
    flight.returned = undefined
    flight.resume = undefined
  }

  private complete(
    i: number,
    value: unknown,
    info: TaskInfo | undefined,
    startedAt: number,
    durationMs?: number,
    toCache = true,
  ): void {
    if (this.graph.fn(i) !== undefined) {
      this.tally.tasksDone++
      if (toCache) this.cache?.completed(i, value, durationMs)
    }
    if (info) this.announcer.end(i, info, { durationMs: performance.now() - startedAt })
    this.state.complete(i, value, this.queue)
  }

  private fail(
    i: number,
    error: unknown,
    retryable: boolean,
    info: TaskInfo | undefined,
    startedAt: number,
  ): void {
    const delayMs = this.stopping ? undefined : this.retries.next(i, error, retryable)
    if (delayMs !== undefined) {
      const attempt = this.retries.made(i)
      if (info) this.config.hooks?.onTaskRetry?.(info, { error, attempt, delayMs })
      // The retry counts as running, so the run cannot end while it waits.
      this.running++
      this.timers.start(delayMs, () => {
        this.running--
        this.guard(() => {
          if (!this.stopping) this.queue.push(i)
          this.pump()
        })
      })
      return
    }
    const graph = this.graph
    const attempts = this.retries.made(i) + 1
    this.record(
      i,
      toTaskError(
        graph.key(i),
        graph.name(i),
        error,
        this.caller,
        attempts,
        graph.fn(i),
        graph.recordedArgs(i),
      ),
      info,
      startedAt,
    )
  }

  /** Records a task's failure for good: the run fails with it, at once if failing fast. */
  private record(
    i: number,
    failure: TaskError,
    info: TaskInfo | undefined,
    startedAt: number,
  ): void {
    this.tally.failures.push(failure)
    if (this.config.failFast) this.stop()
    if (info) {
      this.announcer.end(i, info, { error: failure, durationMs: performance.now() - startedAt })
    }
  }

  /**
   * A promise made by the task heading `members` rejected with nothing to handle it, or
   * a callback it started threw with nothing to catch it (`how`): the call fails with it
   * if it is still running, and the run fails if it has returned.
   */
  failedOutside(members: number[], token: number, reason: unknown, how: OutsideFailure): void {
    const head = members[0]!
    const graph = this.graph
    if (this.settled) {
      const name = this.failingName(head, reason)
      if (how === 'rejection') warnLateRejection(graph.key(head), name, reason)
      else if (how === 'worker-exception') warnLateException(graph.key(head), name, reason)
      else leaveExceptionToNode(reason)
      return
    }
    if (this.inFlight.has(head) && this.tokens[head] === token) {
      const fault =
        how === 'rejection'
          ? new UnhandledRejectionFault(reason)
          : new UncaughtExceptionFault(reason)
      this.abandon(head, token, fault)
      return
    }
    this.guard(() => {
      const functionName = this.failingName(head, reason)
      const names = { key: graph.key(head), functionName, caller: this.caller }
      const failure =
        how === 'rejection'
          ? new UnhandledRejectionError({ ...names, reason })
          : new UncaughtExceptionError({ ...names, error: reason })
      this.record(head, failure, undefined, 0)
      this.announcer.endLate(head, failure)
      this.pump()
    })
  }

  /**
   * The function a failure of task `i` names: the user's function a bag's task applies
   * (`double`, not `map`), or the task's.
   */
  private failingName(i: number, failure?: unknown): string {
    const graph = this.graph
    return failingFunctionName(graph.fn(i), graph.recordedArgs(i) ?? [], failure, graph.name(i))
  }

  /** Stops launching and has the executor drop this run's calls that have not started. */
  private stop(): void {
    if (this.stopping) return
    this.stopping = true
    this.stopper.abort()
  }

  /** Fails the whole run with `error` once the tasks in flight have ended. */
  private failRun(error: unknown): void {
    this.tally.fatal ??= { error }
    this.stop()
  }

  /** Runs our own bookkeeping; an exception there (a throwing hook) fails the run. */
  private guard(step: () => void): void {
    try {
      step()
    } catch (error) {
      this.failRun(error)
      if (this.running === 0) this.finish()
    }
  }

  private finish(): void {
    if (this.settled) return
    this.settled = true
    this.cleanUp()
    this.recorder.close()
    try {
      this.config.hooks?.onFinish?.(this.tally.summary(this.running))
    } catch (error) {
      this.tally.fatal ??= { error }
    }
    const failure = this.tally.failure(this.config.failFast, this.caller)
    if (failure) this.end(failure.error)
    else {
      const results = this.graph.assemble(this.state.results)
      this.end(undefined, results)
    }
  }

  private abort(): void {
    if (this.settled) return
    this.settled = true
    this.stop()
    this.cleanUp()
    try {
      // The calls the run no longer waits for, those that had begun (a pool's queued
      // calls never ran: they have no record).
      for (const flight of this.inFlight.values()) {
        // The steps of a chain that had ended, for its cache, up to the last it brought
        // back, ran: the summary counts them (the cache has them).
        if (flight.returned !== undefined) this.tally.tasksDone += lastReturned(flight.returned) + 1
        if (!flight.begun) continue
        for (let m = 0; m < flight.members.length; m++) this.recorder.ended(flight, m, 'cancelled')
      }
      this.config.hooks?.onFinish?.(this.tally.summary(this.running))
    } catch {
      // The run ends cancelled either way. Rethrown, the hook's error would escape from
      // the AbortSignal's listener as an uncaught exception.
    }
    this.recorder.close()
    this.end(new CancelledError({ caller: this.caller, reason: this.config.signal?.reason }))
  }

  /**
   * Settles the run with `error`, or else `results`, once the results to cache have been
   * read from the executor's store, and the executor has let go of what the run left with
   * it (see `Executor.endRun`).
   */
  private end(error: unknown, results?: unknown[]): void {
    if (this.cache === undefined) this.endRun(error, results)
    else void this.cache.settled().then(() => this.endRun(error, results))
  }

  private endRun(error: unknown, results?: unknown[]): void {
    const settle = (): void => {
      if (error === undefined) this.resolve(results!)
      else this.reject(error)
    }
    let ending: Promise<void> | void
    try {
      ending = this.config.executor.endRun?.(this.stopper.signal)
    } catch (endError) {
      error ??= endError
      settle()
      return
    }
    if (ending === undefined) settle()
    else
      ending.then(settle, (endError: unknown) => {
        error ??= endError
        settle()
      })
  }

  private cleanUp(): void {
    this.link.run = undefined
    this.timers.clearAll()
    for (const unwatch of this.unwatch) unwatch()
  }
}

/** The last step of a fused call that brought its result back (`Flight.returned`). */
function lastReturned(returned: ReadonlyMap<number, unknown>): number {
  // Not Math.max(...keys): a chain of 200,000 steps would overflow the stack.
  let last = -1
  for (const step of returned.keys()) if (step > last) last = step
  return last
}

/** `controller`, whose signal may have any number of listeners. */
function unlimited(controller: AbortController): AbortController {
  setMaxListeners(0, controller.signal)
  return controller
}
