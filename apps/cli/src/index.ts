// The public API of the `taskgraph` package, which users import as
// `import { delayed, gather, compute } from 'taskgraph'`: the public entries of the
// packages, whole (each lists its names), and what the command adds to them.

import { loadFirstInWorkers } from '@taskgraph/scheduler/internal'

// Task modules import `taskgraph`: pool workers load it before their TypeScript loader,
// as they load the scheduler.
loadFirstInWorkers(import.meta.url)

// The lazy graph model: delayed, gather, literal, fromSpec, bag, toDot, tokenize, errors.
export * from '@taskgraph/core'
// Running graphs: compute, persist, the four executors, run options, hooks, errors.
export * from '@taskgraph/scheduler'
// The seed patterns: parallelMap, inbatchParallel, properties.
export * from '@taskgraph/patterns'
// Traces, reports, the Profiler, renderSvg (Graphviz DOT to SVG).
export * from '@taskgraph/observe'
// A cross-run cache of task results: the `cache` run option takes a TaskCache.
export * from '@taskgraph/cache'
export { visualize, type VisualizeOptions } from './visualize.js'
export { progressBar, type ProgressBar, type ProgressBarOptions } from './progress/progress-bar.js'
export type { ProgressCounts } from './progress/task-counts.js'
export { combineHooks } from './combine-hooks.js'
export {
  WorkflowError,
  OutputError,
  MissingPackageError,
  ProcessExitError,
  type WorkflowErrorCode,
} from './cli-errors.js'
