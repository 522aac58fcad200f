// The public API of @taskgraph/scheduler: running graphs. Importing this module
// registers the scheduler behind Delayed#compute and Delayed#persist.

export { compute, persist } from './run/compute.js'
export { InlineExecutor } from './executors/inline-executor.js'
export { AsyncExecutor, DEFAULT_ASYNC_CONCURRENCY } from './executors/async-executor.js'
export { ThreadExecutor } from './pool/thread-executor.js'
export { ProcessExecutor } from './pool/process-executor.js'
export { closeDefaultExecutors } from './pool/default-pools.js'
export { MAX_WORKERS, type PoolOptions } from './pool/pool-options.js'
export type { ExecutorName, RunOptions } from './run/options.js'
// For an executor of one's own, passed as `RunOptions.executor`.
export type { CallTiming, Executor, TaskCall } from './executors/executor.js'
export type {
  AddedTask,
  ComputeHooks,
  RunSummary,
  TaskInfo,
  TaskOutcome,
  TaskRetry,
  TasksAdded,
} from './run/hooks.js'
export type { TaskRecord, TaskStatus, TaskWorker } from './run/task-record.js'
export type { CacheSession, ResultCache } from './run/result-cache.js'
// Futures: work started at once, gathered as it completes (Dask's futures interface).
export { submit } from './futures/submit.js'
export { Client, type FutureArg, type FutureArgs } from './futures/client.js'
export { Future, isFuture, type FutureStatus } from './futures/future.js'
export { AsCompleted, asCompleted } from './futures/as-completed.js'
export {
  wait,
  WaitTimeoutError,
  type ReturnWhen,
  type WaitOptions,
  type WaitResult,
} from './futures/wait.js'
export {
  AggregateTaskError,
  CancelledError,
  DepthLimitError,
  ExecutorClosedError,
  SerializationError,
  StalledError,
  TaskError,
  TimeoutError,
  UncaughtExceptionError,
  UnhandledRejectionError,
  WorkerLostError,
  WorkerModuleError,
  WorkerStartError,
  type TaskErrorOptions,
} from './errors.js'
