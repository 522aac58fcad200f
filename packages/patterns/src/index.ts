// The public API of @taskgraph/patterns: parallel patterns built on the graph model of
// @taskgraph/core and the runs of @taskgraph/scheduler (a for loop over workers, a
// function over a batch, derived properties computed per element).

import { loadFirstInWorkers } from '@taskgraph/scheduler/internal'

// Task modules that use the patterns import this package: pool workers load it before
// their TypeScript loader, as they load the scheduler.
loadFirstInWorkers(import.meta.url)

export { Vectorizer, parallelMap } from './parallel-map/vectorizer.js'
export { MapItemError } from './parallel-map/map-item-error.js'
export type { NotAString } from '@taskgraph/core/internal'
export type { MapRunOptions, ParallelMapOptions, WorkerInit } from './parallel-map/map-options.js'
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
export { PropertyElementError } from './properties/property-element-error.js'
export type {
  ElementView,
  NoProperties,
  PropertyObject,
  PropertyValues,
  WholeView,
  WithProperty,
} from './properties/property-types.js'
