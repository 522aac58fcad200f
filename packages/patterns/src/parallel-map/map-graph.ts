import type { AnyFunction, Delayed } from '@taskgraph/core'
import { CancelledError } from '@taskgraph/scheduler'
import { computeTargets } from '@taskgraph/scheduler/internal'
import { concatTask, mapChunkTask } from './map-chunk.js'
import { chunkRanges, type MapConfig, type MapRunOptions } from './map-options.js'

/**
 * The graph of a parallel map: one task per chunk of items, in order, and a task joining
 * their results. Chunk tasks are named after `fn`; each is given its first item's index,
 * so that an item's failure is reported as a `MapItemError` naming it.
 */
export function mapGraph(
  fn: AnyFunction,
  items: readonly unknown[],
  config: MapConfig,
): Delayed<unknown[]> {
  const chunk = mapChunkTask.with({ name: fn.name || 'map' })
  const chunks = chunkRanges(config, items.length).map(([start, end]) =>
    chunk(fn, items.slice(start, end), config.init, start),
  )
  return concatTask(chunks)
}

/**
 * Runs a map now, on the configured executor; a pool made for it ends with it. An item's
 * failure rejects with a `MapItemError` naming its index, `cause` what `fn` threw.
 */
export async function runMap(
  caller: string,
  fn: AnyFunction,
  items: readonly unknown[],
  config: MapConfig,
  { signal }: MapRunOptions = {},
): Promise<unknown[]> {
  // Nothing to do: no pool to start. A call cancelled already is still refused, as it is
  // with items, so that its caller hears of the abort whatever it mapped.
  if (items.length === 0) {
    if (signal?.aborted === true) throw new CancelledError({ caller, reason: signal.reason })
    return []
  }
  const { executor, workers } = config
  const [results] = await computeTargets(caller, [mapGraph(fn, items, config)], {
    executor,
    ...(workers === undefined ? {} : { workers }),
    ...(signal === undefined ? {} : { signal }),
  })
  return results as unknown[]
}
