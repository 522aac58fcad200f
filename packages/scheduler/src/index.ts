// The public API of @taskgraph/scheduler: running graphs. Importing this module
// registers the scheduler behind Delayed#compute and Delayed#persist.

export { compute, persist } from './compute.js'
export type { Executor, TaskCall } from './executor.js'
export { InlineExecutor } from './inline-executor.js'
export { AsyncExecutor, DEFAULT_ASYNC_CONCURRENCY } from './async-executor.js'
export type { ExecutorName, RunOptions } from './options.js'
export type { ComputeHooks, RunSummary, TaskInfo, TaskOutcome } from './hooks.js'
export { AggregateTaskError, CancelledError, TaskError } from './errors.js'
