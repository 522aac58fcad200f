// The tasks that transform a bag one partition at a time. Each is made by delayed() in
// this module's top-level code, so pool workers find them by importing this module; the
// functions they apply to items arrive as arguments (recorded where the user wrote them).
import { delayed } from '../lazy/delayed-function.js'
import { isThenable } from '../thenable.js'
import { applying } from './applied-functions.js'
import { asPartition } from './as-partition.js'
import { partitionTask } from './partition-task.js'
import { iterable, synchronous } from './function-results.js'
import { selectKey } from './key-selector.js'

type Item = unknown
type ItemFunction = (item: Item) => unknown

/** `fn` of each item; an async `fn`'s calls in one partition run together. */
export const mapPart = partitionTask(
  applying(function map(
    part: readonly Item[],
    fn: ItemFunction,
    _partition: number,
  ): unknown[] | Promise<unknown[]> {
    part = asPartition('map', part)
    const out = new Array<unknown>(part.length)
    let pending = false
    for (let i = 0; i < part.length; i++) {
      const value = fn(part[i])
      out[i] = value
      if (!pending && isThenable(value)) pending = true
    }
    return pending ? Promise.all(out) : out
  }, 1),
  { name: 'map' },
)

export const filterPart = partitionTask(
  applying(function filter(
    part: readonly Item[],
    predicate: ItemFunction,
    _partition: number,
  ): Item[] {
    const keep = synchronous('filter', 'the predicate', predicate)
    const out: Item[] = []
    for (const item of asPartition('filter', part)) if (keep(item)) out.push(item)
    return out
  }, 1),
  { name: 'filter' },
)

export const flatMapPart = partitionTask(
  applying(function flatMap(
    part: readonly Item[],
    fn: (item: Item) => Iterable<unknown>,
    _partition: number,
  ): unknown[] {
    const call = synchronous('flatMap', 'the mapped function', fn)
    const out: unknown[] = []
    for (const item of asPartition('flatMap', part)) {
      for (const value of iterable('flatMap', 'what the function returned', call(item)))
        out.push(value)
    }
    return out
  }, 1),
  { name: 'flat-map' },
)

export const flattenPart = partitionTask(
  function flatten(part: readonly Iterable<unknown>[], _partition: number): unknown[] {
    const out: unknown[] = []
    for (const item of asPartition('flatten', part))
      for (const value of iterable('flatten', 'an item', item)) out.push(value)
    return out
  },
  { name: 'flatten' },
)

export const pluckPart = partitionTask(
  function pluck(part: readonly Item[], key: string | number, _partition: number): unknown[] {
    return asPartition('pluck', part).map((item) => selectKey('pluck', item, key))
  },
  { name: 'pluck' },
)

/**
 * The whole bag as one array: the task of a `Bag`'s own node, which is what computing
 * it gives. It runs on the main thread (it only joins the partitions), so workers never
 * need to find it.
 */
export function concat(parts: readonly Item[][]): Item[] {
  const out: Item[] = []
  for (const part of parts) for (const item of asPartition('concat', part)) out.push(item)
  return out
}

/** Partition `index` of a merged result that was split for re-partitioning. */
export const splitPart = delayed(
  function split(parts: readonly Item[][], index: number): Item[] {
    return parts[index]!
  },
  { name: 'split', mainThread: true },
)
