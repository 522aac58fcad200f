// What other taskgraph packages use from the graph model and users do not: not part of
// the public API, and free to change between versions (exported as
// `@taskgraph/core/internal`).

export { Delayed, DelayedTuple } from './lazy/delayed.js'
export { Bag } from './bag/bag.js'
export type { NotAString } from './not-a-string.js'
export { containsDelayed, holdsFuture, isPlainObject } from './lazy/lazy-args.js'
export { isFutureBranded } from './lazy/brand.js'
export { TaskGraph, type Rows } from './graph/task-graph.js'
// A key graphology cannot link: one every object has as a property (`constructor`).
export { checkLinkable } from './graph/to-graph.js'
export { registerScheduler, type Scheduler } from './scheduler-registry.js'
export {
  findFunction,
  moduleRecordedAt,
  originOf,
  recordOrigin,
  recordedModules,
  recordedNames,
  type FunctionOrigin,
} from './origin.js'
export { checkOptionNames } from './option-names.js'
export { checkTaskOptions } from './task-options.js'
export { describeValue, errorText, type ErrorInit } from './errors.js'
export { isThenable } from './thenable.js'
// Refused where items must all be at hand, with the same advice everywhere.
export { collectFirst, isAsyncIterable } from './async-iterable.js'
// What a call was given, read (an iterator run, getters called) with its errors the call's.
export { readGiven } from './read-given.js'
// How a bag's task names a value a worker could not be sent or send back.
export { UNSENDABLE_PLACE, type NameUnsendable, type UnsendablePlace } from './unsendable-place.js'
// Which function a task's failure names: a bag's task names the function it applies.
export { APPLIED_FUNCTION, failingFunctionName, type FindApplied } from './applied-function.js'
// A class or a generator function given where a function's call must give the result.
export { uncallableKind } from './uncallable-kind.js'
// The cache's directory and a cluster's shared one: made with the cause of a failure.
export { makeDirectory, makeDirectorySync } from './make-directory.js'
// A directory to keep files in, named by the user: the file that keeps it from being one.
export { fileInTheWay, fileInTheWayText } from './file-in-the-way.js'
// A cluster's Redis URL, checked alike by the cluster's package and the CLI's flags.
export { checkRedisUrl, type CheckedRedisUrl } from './redis-url.js'
export { BINARY_VIEWS, COMMON_BINARY_VIEWS } from './binary-views.js'
// Walks over task data skip the holes of arrays stored sparse (`items[1e9] = x`).
export { sparseIndices } from './sparse-arrays.js'
// A persistent cache's keys: tokens that mean the same in every process.
export {
  functionToken,
  holdsMoreThanContent,
  stableToken,
  stableTokenChunks,
  type StableTokenParts,
} from './graph/tokenize.js'
export type { TaskSpec } from './lazy/lazy-node.js'
// Every overload's arguments and results, for calls that take a function as delayed does.
export type { OverloadedParameters, OverloadedReturnType } from './types.js'
// A graph a task returned in a worker, made again on the main thread.
export { hasUniqueKey, makeKeyedData, makeTask } from './lazy/make-task.js'
// `visualize` draws as `toDot` does, its options' errors naming it.
export { renderDot } from './dot/to-dot.js'
export { resolveDotOptions } from './dot/dot-options.js'
