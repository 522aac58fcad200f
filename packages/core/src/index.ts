// The public API of @taskgraph/core: the lazy graph model. Nothing here runs a graph;
// @taskgraph/scheduler does, and registers itself behind Delayed#compute.

export { Delayed, DelayedTuple, type ElementOf } from './lazy/delayed.js'
export {
  delayed,
  isDelayedFunction,
  type CallOptions,
  type DelayedFunction,
  type DelayedOptions,
  type DelayedTupleFunction,
} from './lazy/delayed-function.js'
export { gather } from './lazy/gather.js'
export { literal, type LiteralOptions } from './lazy/literal.js'
export { fromSpec, ref, task, KeyRef, SpecTask, type SpecResults } from './spec/from-spec.js'
export { TaskGraph } from './graph/task-graph.js'
export { Bag, type SelectedKey } from './bag/bag.js'
export { bag, type FromOptions } from './bag/from.js'
export type { Comparable, ItemProperty, KeySelector } from './bag/key-selector.js'
export { containsDelayed } from './lazy/lazy-args.js'
export {
  toGraph,
  type TaskGraphAttributes,
  type TaskGraphology,
  type TaskNodeAttributes,
} from './graph/to-graph.js'
export { toDot, type DotOptions, type RankDir } from './dot/to-dot.js'
export { tokenize } from './graph/tokenize.js'
export { checkTaskOptions, type TaskOptions } from './task-options.js'
export { checkOptionNames } from './option-names.js'
export {
  findFunction,
  originOf,
  recordOrigin,
  recordedModules,
  recordedNames,
  registerTaskModule,
  type FunctionOrigin,
} from './origin.js'
export { registerScheduler, type ComputeOptions, type Scheduler } from './scheduler-registry.js'
export {
  CycleError,
  InvalidArgumentError,
  InvalidOptionError,
  KeyClashError,
  MissingKeyError,
  NoSchedulerError,
  NotCallableError,
  TaskgraphError,
  describeValue,
} from './errors.js'
export type { AnyFunction, Computed, Lazy, LazyArgs, MethodKeys } from './types.js'
