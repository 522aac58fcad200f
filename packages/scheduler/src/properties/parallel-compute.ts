import { TaskGraph } from '@taskgraph/core'
import { OPTION_NAMES, resolveOptions, type RunOptions } from '../run/options.js'
import { runGraph } from '../run/run-graph.js'
import {
  CACHE_OPTION_NAMES,
  cachePlan,
  checkOptionNames,
  removeCache,
  type CacheOptions,
} from './disk-cache.js'
import { propertiesGraph } from './property-graph.js'
import { holdValues } from './property-object.js'
import type { AnyPropertyObject, PropertyNameOf } from './property-types.js'

/** Options of `parallelCompute`: the run's, and where large values go. */
export interface ParallelComputeOptions extends RunOptions, CacheOptions {}

const OPTIONS: ReadonlySet<string> = new Set([...OPTION_NAMES, ...CACHE_OPTION_NAMES])

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
  checkOptionNames(caller, options, OPTIONS)
  const { cacheDir, memoryLimit, ...runOptions } = options
  const cache = cachePlan(caller, { cacheDir, memoryLimit })
  const target = propertiesGraph(caller, object, names, cache)
  const config = resolveOptions(caller, runOptions)
  try {
    const [values] = await runGraph(TaskGraph.collect(caller, [target]), config, caller)
    holdValues(object, values as Record<string, unknown>)
  } finally {
    if (config.ownsExecutor) await config.executor.close?.()
    if (cache !== undefined) removeCache(cache.dir)
  }
  return object
}
