import type { AnyFunction, Delayed } from '@taskgraph/core'
import { TaskError } from '@taskgraph/scheduler'
import { computeTargets } from '@taskgraph/scheduler/internal'
import { concatTask, mapChunkTask, readItemFailure } from './map-chunk.js'
import { MapItemError } from './map-item-error.js'
import { chunkRanges, type MapConfig, type MapRunOptions } from './map-options.js'

/**
 * The graph of a parallel map: one task per chunk of items, in order, and a task joining
 * their results. Chunk tasks are named after `fn`. `indexed` chunks report which item
 * failed (see `runMap`); the lazy form's keep what `fn` threw as their error, unwrapped.
 */
export function mapGraph(
  fn: AnyFunction,
  items: readonly unknown[],
  config: MapConfig,
  indexed = false,
): Delayed<unknown[]> {
  const chunk = mapChunkTask.with({ name: fn.name || 'map' })
  const chunks = chunkRanges(config, items.length).map(([start, end]) =>
    indexed
      ? chunk(fn, items.slice(start, end), config.init, start)
      : chunk(fn, items.slice(start, end), config.init),
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
  // Nothing to do: no pool to start.
  if (items.length === 0) return []
  const { executor, workers } = config
  try {
    const [results] = await computeTargets(caller, [mapGraph(fn, items, config, true)], {
      executor,
      ...(workers === undefined ? {} : { workers }),
      ...(signal === undefined ? {} : { signal }),
    })
    return results as unknown[]
  } catch (error) {
    const failure = error instanceof TaskError ? readItemFailure(error.cause) : undefined
    if (failure === undefined) throw error
    const { key, functionName } = error as TaskError
    throw new MapItemError({ key, functionName, caller, ...failure })
  }
}
