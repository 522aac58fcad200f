import type { AnyFunction, TaskOptions } from '@taskgraph/core'
import type { TaskWorker } from '../run/task-record.js'
import type { StepWorth } from '../wire/step-worth.js'
import type { OutsideFailure } from './task-context.js'

/** One task, ready to run: its arguments are already resolved. */
export interface TaskCall {
  /** The task's key. */
  readonly key: string
  /** The task function's name. */
  readonly name: string
  readonly fn: AnyFunction
  readonly args: unknown[]
  /** The task's options, run-wide defaults applied. Executors read `timeout`. */
  readonly options: TaskOptions
  /**
   * Run this call on the calling thread, whatever the executor: the task only rearranges
   * results already there (`get`, `at`, `gather`, `call`), or was made with
   * `delayed(fn, { mainThread: true })`.
   */
  readonly mainThread: boolean
  /**
   * Aborted when the run that made this call stops waiting for it (it failed fast, was
   * cancelled, or failed for another reason). An executor drops such calls if they have
   * not started, settling them with `DiscardedFault`, and may stop them if they have. Each run
   * has its own signal: runs sharing an executor never drop each other's calls.
   */
  readonly signal: AbortSignal
  /**
   * The call's result (its last step's, for a fused chain) is an output of the run: it goes
   * back to the caller. An executor that keeps results where they were made (see
   * `Executor.release`) returns this one whole.
   */
  readonly output: boolean
  /** Which attempt this is: 1 for the first, 2 for the first retry, ... */
  readonly attempt: number
  /**
   * No retry follows if this attempt fails. Only then may an executor consume the
   * call's `owned` values (move their buffers to a worker): a retry needs them again.
   */
  readonly lastAttempt: boolean
  /**
   * Tasks fused after this one (a linear chain): each takes the previous result at its
   * `holes`. The call's result is the last step's. Only given to `remote` executors.
   */
  readonly steps?: readonly FusedStep[]
  /**
   * Steps of a fused chain whose results the run wants as well as the last one's (its
   * cache stores them), by step: 0 for the call's own task, n for the n-th of `steps`.
   * Given only to an executor that `returnsSteps`, which passes each one's result to
   * `stepResult` as soon as the step has ended (a run stopped midway keeps them), and
   * before settling the call. As with `resultChanged`, a result a copy would change is
   * passed as a `problem`, not as the copy.
   */
  readonly stepsWanted?: readonly number[]
  /**
   * For each of `stepsWanted`, how the worker judges whether the step's result is worth
   * bringing back (see `StepWorth`; `null`: always). One it finds not worth it goes to
   * `stepResult` as `notWorthKeeping`.
   */
  readonly stepWorth?: readonly (StepWorth | null)[]
  /**
   * Where the results of `stepsWanted` go: the value (or, from an executor whose results
   * are references, its reference), or why it could not be brought back (too large for
   * the executor's store, say). A step left out is one the call never reached.
   */
  readonly stepResult?: (step: number, result: StepResult) => void
  /**
   * Given to a `remote` executor when the run's cache stores the call's result (its last
   * step's): the result is checked where it was made, before it is copied, for what a
   * copy quietly changes (an object without a prototype, an `Error` subclass, symbol
   * keys: see `findCloneProblem`'s `exact`). One it changes is passed here, saying where
   * and how, before the call settles with the copy: the run's result, but not stored.
   */
  readonly resultChanged?: (problem: string) => void
  /**
   * Results of tasks of this run that no other task will read after this one: an
   * executor may move their buffers to a worker instead of copying them, on the call's
   * last attempt. Never values the user holds (persisted values, literals, outputs).
   */
  readonly owned?: readonly OwnedValue[]
  /**
   * Tells the scheduler the executor holds what it needs of the `owned` values (it has
   * sent them, on the call's last attempt, and will not send them again): the scheduler
   * lets go of its own references, so their memory can go before the call ends.
   */
  readonly releaseOwned: () => void
  /**
   * Says the call has begun (its worker began running it), for an executor that
   * `reportsStarts`: hooks hear of the task's start then, not when it was handed over.
   * `agoMs`: how long ago it began, for an executor that hears of it late (a cluster's
   * workers tell of a start once the call has run a moment); its duration counts from then.
   * `worker`: where it began, for the record of a call the run stops waiting for (one
   * that ends has the worker its `timed` timing names).
   */
  readonly started: (agoMs?: number, worker?: TaskWorker) => void
  /**
   * Given to a `remote` executor when the run keeps task records (a hook reads them):
   * the executor passes here where and when its worker ran the call, before settling it.
   * Otherwise the scheduler measures the call itself, on its own thread.
   */
  readonly timed?: (timing: CallTiming) => void
  /**
   * Given by a cluster worker, whose driver weighs calls by how long they hold a thread:
   * a pool executor passes here how long the call held its worker's thread (time spent
   * waiting on I/O left out), before settling it.
   */
  readonly blocked?: (ms: number) => void
  /**
   * Reports an error raised, after the call settled, by work the task started (a promise
   * it made that rejected with nothing to handle it; `'worker-exception'`: a callback it
   * left behind in a worker threw, ending the worker): the scheduler fails the run with
   * it, naming the task. Remote executors call it for what their workers report.
   */
  readonly lateFailure: (error: unknown, how?: OutsideFailure) => void
}

/**
 * What became of the result of a step a call was asked for (`TaskCall.stepsWanted`): the
 * value, or why it could not come back; either with how long the step ran (ms), where its
 * worker measured it, with the steps before it in the chain not asked for since the last
 * one that was: what making it again costs, as the cache weighs it and what depends on it.
 */
export type StepResult =
  | { readonly value: unknown; readonly durationMs?: number }
  | { readonly problem: string; readonly durationMs?: number }
  /** Its worker found it larger than its cost could make worth keeping (`stepWorth`). */
  | { readonly notWorthKeeping: true; readonly durationMs?: number }

/** Where and when a call ran, as the worker that ran it measured it. */
export interface CallTiming {
  readonly worker: TaskWorker
  /**
   * The start and end of each step that ran, in milliseconds since the epoch with a
   * fraction: `[start, end]` for a call of one task, more for a fused chain.
   */
  readonly steps: readonly number[]
  /** The size of the call's result in bytes, where it was serialized anyway. */
  readonly resultBytes?: number
}

/** A task fused into a call after the one before it. */
export interface FusedStep {
  readonly key: string
  readonly name: string
  readonly fn: AnyFunction
  /** The arguments, with the places of the previous step's result (`holes`) left empty. */
  readonly args: unknown[]
  readonly holes: readonly number[]
}

/** A dependency's result that only the call it is given to still needs. */
export interface OwnedValue {
  /** Key of the task that produced it. */
  readonly key: string
  readonly value: unknown
}

/**
 * Where tasks run. The scheduler decides what runs when (dependencies, priorities,
 * retries, failures, cancellation); an executor only runs the calls it is handed, at
 * most `concurrency` at a time. In-process executors call the function directly; pool
 * executors ship the call to a worker.
 *
 * A call fails by throwing or rejecting with the task's own error, or with one of the
 * faults in executor-faults.ts (`WorkerLostFault`, `TimedOutFault`, `NotSerializableFault`,
 * `StepFault`, `StalledFault`, `DiscardedFault`, ...), which the scheduler reports as the
 * matching `TaskError`. An executor that can take no more calls (it was closed) throws or
 * rejects with an `ExecutorClosedFault`, which fails the run.
 */
export interface Executor {
  /** Short name for logs and errors, e.g. `'async'`. */
  readonly name: string
  /**
   * Most calls in flight at once: the scheduler never hands one run's calls over beyond
   * it. Runs sharing the executor are held to it together by the executor itself (see
   * `saturated` and `reportsStarts`), as `AsyncExecutor` and the pools do.
   */
  readonly concurrency: number
  /**
   * Whether the executor holds enough work to keep busy until a call settles. The
   * scheduler then launches nothing more until one does, so tasks wait in its priority
   * order rather than in the executor's queue: a consumer whose input has just been
   * made runs before more producers start, and memory stays bounded by what is in
   * flight. Without it, only `concurrency` limits what is handed over.
   */
  saturated?(): boolean
  /**
   * Runs calls away from the calling thread (in workers). The scheduler then fuses linear
   * chains into one call (`steps`), so their intermediate results stay in the worker, and
   * passes the `owned` values an executor may move instead of copy.
   */
  readonly remote?: boolean
  /**
   * Results of calls may be references into a store the executor keeps (a cluster's),
   * not the values themselves. A run with a persistent cache then needs `keep` and
   * `fetch`, which move cached tasks' results between the cache and that store.
   */
  readonly resultsByReference?: boolean
  /**
   * For a remote executor: passes back the results of the steps a call asks for
   * (`TaskCall.stepsWanted`). A run with a cache then fuses the tasks whose results it
   * stores as it fuses any others; otherwise it runs each of them as a call of its own.
   */
  readonly returnsSteps?: boolean
  /**
   * For an executor whose results are references: keeps `value`, a result the run of
   * `signal` read from its cache instead of running task `key`, where the executor keeps
   * results, and resolves with the reference that the run's tasks are handed in its place
   * (released as any other result). Resolves with `value` itself to have it handed as is.
   */
  keep?(signal: AbortSignal, key: string, value: unknown): Promise<unknown>
  /**
   * For an executor whose results are references: the value that `result`, a result of
   * one of its calls, stands for (read from where it is kept), for a cache to store;
   * any other value as it is. The scheduler releases no result while it is being read.
   */
  fetch?(result: unknown): Promise<unknown>
  /**
   * For a remote executor: whether a call of `fn` may be fused with others, i.e. can run
   * in a worker. Chains run as one unit, so a task run on the calling thread is never
   * fused (its neighbours would wait on it, and cancellation could not step in between).
   */
  canFuse?(fn: AnyFunction): boolean
  /**
   * Enforces `options.timeout` itself, stopping a call that runs too long. Otherwise the
   * scheduler fails a call that overruns: it stops waiting for a promise on time, and
   * fails a synchronous call that returned too late, discarding its result.
   */
  readonly enforcesTimeouts?: boolean
  /**
   * Calls `call.started()` when a call really begins, rather than when it is handed
   * over: queued calls are then not reported as running (progress displays, traces), and
   * a timeout the scheduler holds the call to (see `enforcesTimeouts`) counts from then.
   */
  readonly reportsStarts?: boolean
  /**
   * For an executor that keeps results where they were made and returns a handle in
   * their place (a cluster's result store): the scheduler hands each result back here once
   * no task of its run will read it any more, so the executor may free what it stands for.
   * Called with every result dropped, whatever made it.
   */
  release?(value: unknown): void
  /**
   * A run whose calls carried `signal` has ended (succeeded, failed or was cancelled): no
   * more of its calls will come, and calls of it still running may be stopped. The run
   * settles once this settles, so an executor removes here what the run left behind
   * (stored results, queued jobs). A rejection fails a run that had otherwise succeeded.
   */
  endRun?(signal: AbortSignal): Promise<void> | void
  /**
   * The run stopped waiting for `call`, which may still be running: it overran its
   * timeout on an executor that cannot stop it (see `enforcesTimeouts`), or it stalled.
   * An executor that holds room for the call gives it back, as when the run ends:
   * otherwise calls that never end would use up its `concurrency` for good.
   */
  abandoned?(call: TaskCall): void
  /** Runs one call: returns its result, or a promise of it. May throw. */
  run(call: TaskCall): unknown
  /**
   * Releases what the executor holds (workers, handles). Called once by its owner; calls
   * still running or queued then reject with an `ExecutorClosedError`.
   */
  close?(): Promise<void> | void
}
