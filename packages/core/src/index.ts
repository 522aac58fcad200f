// The public API of @taskgraph/core: the lazy graph model, as users write it. Nothing
// here runs a graph; @taskgraph/scheduler does, and registers itself behind
// Delayed#compute. What other taskgraph packages need besides is in internal.ts.

// Lazy values are made by delayed functions, gather, literal, fromSpec and bags, never
// with `new`, and recognised with isDelayed (whichever copy of taskgraph made them):
// their classes are exported as types only.
export type { Delayed, DelayedTuple, ElementOf } from './lazy/delayed.js'
export { isDelayed } from './lazy/is-delayed.js'
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
export {
  fromSpec,
  ref,
  task,
  type KeyRef,
  type SpecResults,
  type SpecTask,
} from './spec/from-spec.js'
export { bag, type FromOptions } from './bag/from.js'
export type { Bag, SelectedKey } from './bag/bag.js'
export type { Comparable, ItemProperty, KeySelector } from './bag/key-selector.js'
export {
  toGraph,
  type TaskGraphAttributes,
  type TaskGraphology,
  type TaskNodeAttributes,
} from './graph/to-graph.js'
export { toDot } from './dot/to-dot.js'
export type { DotColor, DotOptions, RankDir, TaskRunState } from './dot/dot-options.js'
export type { DrawnGraph } from './dot/drawn-graph.js'
export { tokenize } from './graph/tokenize.js'
export { registerTaskModule } from './origin.js'
export type { TaskOptions } from './task-options.js'
export type { ComputeOptions } from './scheduler-registry.js'
export {
  CycleError,
  InvalidArgumentError,
  InvalidOptionError,
  KeyClashError,
  MissingKeyError,
  NoSchedulerError,
  NotCallableError,
  TaskgraphError,
  type TaskgraphErrorCode,
  type TaskgraphErrorCodes,
} from './errors.js'
export type { AnyFunction, Computed, Lazy, LazyArgs, MethodKeys } from './types.js'
