// What other taskgraph packages and executor authors use from the scheduler and users do
// not: not part of the public API, and free to change between versions.

// Executor authors: the contract (also public, for simple executors of one's own), what a
// remote executor is handed beyond it, and the faults it reports calls with.
export type {
  CallTiming,
  Executor,
  FusedStep,
  OwnedValue,
  StepResult,
  TaskCall,
} from './executors/executor.js'
export {
  DiscardedFault,
  ExecutorClosedFault,
  NotSerializableFault,
  ReturnedGraphFault,
  RunFault,
  StalledFault,
  StepFault,
  TimedOutFault,
  UnhandledRejectionFault,
  UnreachableFault,
  UnsendableStepFault,
  WorkerLostFault,
  WorkerStartFault,
  argumentFault,
} from './executors/executor-faults.js'
// Remote executors: how a function is named to a worker that imports its module, and
// what calls cost (a cluster's driver weighs calls as pools do).
export { CallCosts } from './pool/call-costs.js'
export { FunctionLocator } from './pool/function-locator.js'
// Cluster workers: calls of functions only the pool's workers import.
export { standInFor } from './pool/stand-ins.js'
export { setImportReadiness } from './pool/graph-functions.js'
// The CLI: its supervisor's child ends with its parent; its worker preload names what it loads.
export { watchParent, type WatchParentOptions } from './process/watch-parent.js'
export { announceLoading } from './worker/loading.js'
// The CLI: a listener of its own for unhandled rejections leaves the rest to Node's mode.
export { inTask, leaveToNode, rejectionsAreFatal } from './executors/task-context.js'
// The CLI: the echo of a workflow's failed import is dropped, in its pools' workers too.
export { expectEcho, isEcho } from './worker/rejection-echoes.js'
// The CLI: `taskgraph run` reads the run options' TASKGRAPH_* variables as compute() does,
// and its numeric flags as it reads those variables.
export {
  RUN_OPTION_VARIABLES,
  invalidEnvValue,
  readEnvRunOptions,
  envValue,
  wholeNumber,
  type EnvRunOptions,
} from './run/env-options.js'
// The CLI: checks its flags against the executor in use as compute() checks options.
export { checkHooks, checkSizing, type SizingOption } from './run/options.js'
// taskgraph's packages built on the scheduler: their entries load in workers early.
export { loadFirstInWorkers, preloadInEveryPool } from './pool/worker-preloads.js'
// For @taskgraph/patterns, the helpers built on compute():
/** compute() with the name of the call its errors carry (`parallelMap`, not `compute`). */
export { computeTargets } from './run/compute.js'
/** The names of `RunOptions`, for a call that takes them with options of its own. */
export { OPTION_NAMES as RUN_OPTION_NAMES } from './run/options.js'
/** How a `TaskError` message gives its cause, for subclasses of it in other packages. */
export { causeText } from './errors.js'
/** A pool's size: the default, one worker per core; and the check of one given. */
export {
  checkStartTimeout,
  checkWorkers,
  DEFAULT_START_TIMEOUT_MS,
  defaultWorkers,
} from './pool/pool-options.js'
/** Makes a task failure a `TaskError`, as a run reports it, as its function may word it. */
export { FAILURE_REPORT, toTaskError, type FailureReport } from './run/classify-failure.js'
// What crosses a worker boundary (a call, its data, its errors) is the ./wire entry.
// For `taskgraph run`: a workflow's submits run on the run's executor.
export { setDefaultClient } from './futures/submit.js'
// @taskgraph/observe: a Profiler's log takes task records as numbers, no object made.
export {
  recordSinkOf,
  withRecordSink,
  type RecordedTasks,
  type RecordSink,
} from './run/record-sink.js'
// The CLI: loads workflows as pool workers load task modules (type stripping or tsx), and
// has Node cache the code it compiles, as the workers do.
export {
  TYPESCRIPT_LOADER_VARIABLE,
  importTypeScript,
  isTypeScript,
  nodeStripsTypes,
  tsxRegistered,
  onTsxRegistered,
  registerTsx,
  type ImportedModule,
  type TypeScriptLoader,
} from './worker/typescript-loader.js'
export { enableCompileCache } from './worker/compile-cache.js'
