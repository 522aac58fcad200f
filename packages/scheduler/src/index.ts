// The public API of @taskgraph/scheduler: running graphs. Importing this module
// registers the scheduler behind Delayed#compute and Delayed#persist.

export { compute, persist } from './run/compute.js'
export { InlineExecutor } from './executors/inline-executor.js'
export { AsyncExecutor, DEFAULT_ASYNC_CONCURRENCY } from './executors/async-executor.js'
export { ThreadExecutor } from './pool/thread-executor.js'
export { ProcessExecutor } from './pool/process-executor.js'
export { MAX_WORKERS, type PoolOptions } from './pool/pool-options.js'
export type { ExecutorName, RunOptions } from './run/options.js'
// For an executor of one's own, passed as `RunOptions.executor`.
export type { Executor, TaskCall } from './executors/executor.js'
export type { ComputeHooks, RunSummary, TaskInfo, TaskOutcome, TaskRetry } from './run/hooks.js'
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
  type TaskErrorOptions,
} from './errors.js'
export {
  properties,
  PropertiesDefinition,
  type PropertiesStart,
  type PropertyOptions,
} from './properties/properties-definition.js'
export { parallelCompute, type ParallelComputeOptions } from './properties/parallel-compute.js'
export { delayedProperties, type RequestedValues } from './properties/delayed-properties.js'
export type { CacheOptions } from './properties/disk-cache.js'
export { NotComputedError } from './properties/not-computed-error.js'
export type {
  ElementView,
  NoProperties,
  PropertyObject,
  PropertyValues,
  WholeView,
  WithProperty,
} from './properties/property-types.js'
export { Vectorizer, parallelMap } from './parallel-map/vectorizer.js'
export type { ParallelMapOptions, WorkerInit } from './parallel-map/map-options.js'
export {
  inbatchParallel,
  type InBatchFunction,
  type InBatchResults,
} from './in-batch/inbatch-parallel.js'
export { CallArgs, callArgs, type CallArgsOf } from './in-batch/call-args.js'
export { anyFailed, type CallResult } from './in-batch/call-results.js'
export type {
  Batch,
  InBatchRunOptions,
  InBatchTarget,
  StandardInit,
} from './in-batch/in-batch-options.js'
