import type { Delayed } from '@taskgraph/core'
import { checkOptionNames } from '@taskgraph/core/internal'
import { RUN_OPTION_NAMES } from '@taskgraph/scheduler/internal'
import { CACHE_OPTION_NAMES, cachePlan, type CacheOptions } from './disk-cache.js'
import { propertiesGraph } from './property-graph.js'
import type { AnyPropertyObject, PropertyNameOf, PropertyValuesOf } from './property-types.js'

/** The requested properties' values, by name. */
export type RequestedValues<O, N extends PropertyNameOf<O>> = { [K in N]: PropertyValuesOf<O>[K] }

/**
 * The lazy form of `parallelCompute`: a `Delayed` of an object holding the requested
 * properties' values, computed by `compute()` or `taskgraph run` on any executor. It
 * leaves `object` as it is. With `cacheDir`, the graph's last task removes the graph's
 * directory; a run that fails or is cancelled leaves it (remove `cacheDir` then).
 *
 * @example
 * export default delayedProperties(Normalized.create({ data: [1, 2, 3] }), ['normalizedResult'])
 */
export function delayedProperties<O extends AnyPropertyObject, const N extends PropertyNameOf<O>>(
  object: O,
  names: readonly N[],
  options: CacheOptions = {},
): Delayed<RequestedValues<O, N>> {
  const caller = 'delayedProperties'
  // Run options here are a likely slip: the message says where they go instead.
  const slip =
    typeof options === 'object' &&
    options !== null &&
    Object.keys(options).some((name) => RUN_OPTION_NAMES.has(name))
  checkOptionNames(
    caller,
    options,
    CACHE_OPTION_NAMES,
    slip
      ? 'run options (executor, workers, ...) go to the compute() that runs the graph'
      : undefined,
  )
  const cache = cachePlan(caller, options)
  return propertiesGraph(caller, object, names, cache) as Delayed<RequestedValues<O, N>>
}
