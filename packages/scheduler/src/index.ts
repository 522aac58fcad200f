// The public API of @taskgraph/scheduler: running graphs. Importing this module
// registers the scheduler behind Delayed#compute and Delayed#persist.

export { compute, persist } from './compute.js'
export type { Executor, FusedStep, OwnedValue, TaskCall } from './executor.js'
export {
  Discarded,
  ExecutorClosed,
  NotSerializable,
  Stalled,
  StepFailed,
  TimedOut,
  UnhandledRejection,
  WorkerLost,
  WorkerStartFailed,
} from './executor-failures.js'
export { InlineExecutor } from './inline-executor.js'
export { AsyncExecutor, DEFAULT_ASYNC_CONCURRENCY } from './async-executor.js'
export { ThreadExecutor } from './pool/thread-executor.js'
export { ProcessExecutor } from './pool/process-executor.js'
export { MAX_WORKERS, type PoolOptions } from './pool/pool-options.js'
export type { ExecutorName, RunOptions } from './options.js'
export type { ComputeHooks, RunSummary, TaskInfo, TaskOutcome, TaskRetry } from './hooks.js'
export {
  AggregateTaskError,
  CancelledError,
  ExecutorClosedError,
  SerializationError,
  StalledError,
  TaskError,
  TimeoutError,
  UnhandledRejectionError,
  WorkerLostError,
  WorkerStartError,
} from './errors.js'
