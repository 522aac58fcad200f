import { checkOptionNames } from '@taskgraph/core/internal'
import type { RunOptions } from '@taskgraph/scheduler'
import { RUN_OPTION_NAMES, computeTargets } from '@taskgraph/scheduler/internal'
import { CACHE_OPTION_NAMES, cachePlan, removeCache, type CacheOptions } from './disk-cache.js'
import { propertiesGraph } from './property-graph.js'
import { checkCanHold, holdValues } from './property-object.js'
import type { AnyPropertyObject, PropertyNameOf } from './property-types.js'

/** Options of `parallelCompute`: the run's, and where large values go. */
export interface ParallelComputeOptions extends RunOptions, CacheOptions {}

const OPTION_NAMES: readonly string[] = [...RUN_OPTION_NAMES, ...CACHE_OPTION_NAMES]

/**
 * Computes properties `names` of `object` (ΦML's `parallel_compute`) and stores them on
 * it; properties they use but that were not requested are not kept. Per-element
 * properties run as one task per element, in parallel on `'threads'` or `'processes'`;
 * whole-batch properties run on this thread once the values they use are in. Properties
 * the object already holds are used, not computed again.
 *
 * With `cacheDir`, values larger than `memoryLimit` go to files in a directory of this
 * run's own, removed when the run ends, whether it succeeds or fails.
 *
 * @example
 * const computation = Normalized.create({ data: [1, 2, 3] })
 * await parallelCompute(computation, ['normalizedResult'], { executor: 'processes', workers: 3 })
 * computation.normalizedResult // [-2, 0, 2]
 */
export async function parallelCompute<
  O extends AnyPropertyObject,
  const N extends PropertyNameOf<O>,
>(object: O, names: readonly N[], options: ParallelComputeOptions = {}): Promise<O> {
  const caller = 'parallelCompute'
  checkOptionNames(caller, options, OPTION_NAMES)
  const { cacheDir, memoryLimit, ...runOptions } = options
  const cache = cachePlan(caller, { cacheDir, memoryLimit })
  const target = propertiesGraph(caller, object, names, cache)
  checkCanHold(caller, object, names)
  try {
    const [values] = await computeTargets(caller, [target], runOptions)
    holdValues(object, values as Record<string, unknown>)
  } finally {
    if (cache !== undefined) removeCache(cache.dir)
  }
  return object
}
