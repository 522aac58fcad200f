import type { AnyFunction, TaskOptions } from '@taskgraph/core'

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
   * Tasks fused after this one (a linear chain): each takes the previous result at its
   * `holes`. The call's result is the last step's. Only given to `remote` executors.
   */
  readonly steps?: readonly FusedStep[]
  /**
   * Results of dependencies that no other task will read after this one: an executor may
   * move their buffers to a worker instead of copying them.
   */
  readonly owned?: readonly OwnedValue[]
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
 * reasons in executor-failures.ts (`WorkerLost`, `TimedOut`, `NotSerializable`,
 * `StepFailed`, `Discarded`), which the scheduler reports as the matching `TaskError`.
 */
export interface Executor {
  /** Short name for logs and errors, e.g. `'async'`. */
  readonly name: string
  /** Most calls in flight at once; the scheduler never exceeds it. */
  readonly concurrency: number
  /**
   * Runs calls away from the calling thread (in workers). The scheduler then fuses linear
   * chains into one call (`steps`), so their intermediate results stay in the worker, and
   * passes the `owned` values an executor may move instead of copy.
   */
  readonly remote?: boolean
  /**
   * For a remote executor: whether a call of `fn` may be fused with others, i.e. can run
   * in a worker. Chains run as one unit, so a task run on the calling thread is never
   * fused (its neighbours would wait on it, and cancellation could not step in between).
   */
  canFuse?(fn: AnyFunction): boolean
  /** Enforces `options.timeout` itself; otherwise the scheduler stops waiting on time. */
  readonly enforcesTimeouts?: boolean
  /** Runs one call: returns its result, or a promise of it. May throw. */
  run(call: TaskCall): unknown
  /** Drops the calls accepted but not started; they reject with `Discarded`. */
  discardPending?(): void
  /** Releases what the executor holds (workers, handles). Called once by its owner. */
  close?(): Promise<void> | void
}
