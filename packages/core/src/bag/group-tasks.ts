// The tasks of the bag operations that combine items across partitions: each partition
// is grouped (counted, folded, ranked) on its own, then one task merges the partials in
// partition order and, for operations that give a bag, splits the merged result into as
// many partitions as the bag had. Groups come in the order their keys first appear in
// the bag, whatever the partitioning. Merging runs on the thread that computes the
// graph, where the partials arrive.
import { delayed } from '../lazy/delayed-function.js'
import { applying } from './applied-functions.js'
import { asPartition } from './as-partition.js'
import { partitionTask } from './partition-task.js'
import { checkRankable } from './rankable.js'
import { synchronous } from './function-results.js'
import { groupKey, itemKey, selectKey, taskKey, type Comparable } from './key-selector.js'
import { splitEvenly } from './split-evenly.js'

type Key = unknown
type Selector = string | number | ((item: unknown) => unknown)
type Binary = (a: unknown, b: unknown) => unknown
/** A fold's start value, if it has one. */
type Seed = [] | [unknown]

export const groupByPart = partitionTask(
  applying(function groupByPart(
    part: readonly unknown[],
    key: Selector,
    _partition: number,
  ): Map<Key, unknown[]> {
    const select = taskKey('groupBy', key)
    const groups = new Map<Key, unknown[]>()
    for (const item of asPartition('groupBy', part)) {
      const k = groupKey('groupBy', item, select)
      const group = groups.get(k)
      if (group === undefined) groups.set(k, [item])
      else group.push(item)
    }
    return groups
  }, 1),
  { name: 'group-by-part' },
)

export const groupByMerge = delayed(
  function groupBy(partitions: number, partials: Map<Key, unknown[]>[]) {
    const groups = new Map<Key, unknown[]>()
    for (const partial of partials) {
      for (const [k, items] of partial) {
        const group = groups.get(k)
        // The partials are this merge's alone: their arrays can be taken and extended.
        if (group === undefined) groups.set(k, items)
        else for (const item of items) group.push(item)
      }
    }
    return splitEvenly([...groups], partitions)
  },
  { name: 'group-by', mainThread: true },
)

export const foldByPart = partitionTask(
  applying(
    function foldByPart(
      part: readonly unknown[],
      key: Selector,
      binop: Binary,
      seed: Seed,
      _partition: number,
    ): Map<Key, unknown> {
      const select = taskKey('foldBy', key)
      const step = synchronous('foldBy', 'binop', binop)
      const totals = new Map<Key, unknown>()
      for (const item of asPartition('foldBy', part)) {
        const k = groupKey('foldBy', item, select)
        if (totals.has(k)) totals.set(k, step(totals.get(k), item))
        else totals.set(k, seed.length === 1 ? step(seed[0], item) : item)
      }
      return totals
    },
    1,
    2,
  ),
  { name: 'fold-by-part' },
)

export const foldByMerge = delayed(
  applying(function foldBy(
    partitions: number,
    combine: Binary,
    seed: Seed,
    partials: Map<Key, unknown>[],
  ) {
    const join = synchronous('foldBy', 'combine', combine)
    const totals = new Map<Key, unknown>()
    for (const partial of partials) {
      for (const [k, value] of partial) {
        if (totals.has(k)) totals.set(k, join(totals.get(k), value))
        else totals.set(k, seed.length === 1 ? join(seed[0], value) : value)
      }
    }
    return splitEvenly([...totals], partitions)
  }, 1),
  { name: 'fold-by', mainThread: true },
)

export const frequenciesPart = partitionTask(
  function frequenciesPart(part: readonly unknown[], _partition: number): Map<unknown, number> {
    const counts = new Map<unknown, number>()
    for (const item of asPartition('frequencies', part)) {
      const k = itemKey('frequencies', item)
      counts.set(k, (counts.get(k) ?? 0) + 1)
    }
    return counts
  },
  { name: 'frequencies-part' },
)

export const frequenciesMerge = delayed(
  function frequencies(partitions: number, partials: Map<unknown, number>[]) {
    const counts = new Map<unknown, number>()
    for (const partial of partials) {
      for (const [item, n] of partial) counts.set(item, (counts.get(item) ?? 0) + n)
    }
    return splitEvenly([...counts], partitions)
  },
  { name: 'frequencies', mainThread: true },
)

/** The first item of each key in a partition: a `Map` by key, or the items when the key is the item. */
export const distinctPart = partitionTask(
  applying(function distinctPart(
    part: readonly unknown[],
    key: Selector | undefined,
    _partition: number,
  ): unknown[] | Map<Key, unknown> {
    const items = asPartition('distinct', part)
    if (key === undefined) {
      // The items themselves, not a Set's copies of them: a Set would turn -0 into 0.
      const seen = new Set<unknown>()
      const out: unknown[] = []
      for (const item of items) {
        if (seen.has(itemKey('distinct', item))) continue
        seen.add(item)
        out.push(item)
      }
      return out
    }
    const select = taskKey('distinct', key)
    const first = new Map<Key, unknown>()
    for (const item of items) {
      const k = groupKey('distinct', item, select)
      if (!first.has(k)) first.set(k, item)
    }
    return first
  }, 1),
  { name: 'distinct-part' },
)

export const distinctMerge = delayed(
  function distinct(partitions: number, partials: (unknown[] | Map<Key, unknown>)[]) {
    const first = new Map<Key, unknown>()
    for (const partial of partials) {
      const entries = Array.isArray(partial) ? partial.map((item) => [item, item]) : partial
      for (const [k, item] of entries) if (!first.has(k)) first.set(k, item)
    }
    return splitEvenly([...first.values()], partitions)
  },
  { name: 'distinct', mainThread: true },
)

export const topkPart = partitionTask(
  applying(function topkPart(
    part: readonly unknown[],
    k: number,
    key: Selector | undefined,
    _partition: number,
  ): unknown[] {
    return largest(asPartition('topk', part), k, key)
  }, 2),
  { name: 'topk-part' },
)

export const topkMerge = delayed(
  applying(function topk(k: number, key: Selector | undefined, partials: unknown[][]): unknown[] {
    return largest(partials.flat(), k, key)
  }, 1),
  { name: 'topk', mainThread: true },
)

/**
 * The `k` items with the largest keys, largest first; among equal keys, the one that
 * comes first in `items` first (a stable sort), so ranking partitions then their
 * winners gives what ranking the whole bag would.
 */
function largest(items: readonly unknown[], k: number, key: Selector | undefined): unknown[] {
  const select = key === undefined ? undefined : taskKey('topk', key)
  const ranked = items.map((item) => ({
    item,
    key: (select === undefined ? item : selectKey('topk', item, select)) as Comparable,
  }))
  checkRankable(
    'topk',
    key === undefined ? 'an item' : 'a key',
    ranked.map((entry) => entry.key),
  )
  ranked.sort((a, b) => (a.key > b.key ? -1 : a.key < b.key ? 1 : 0))
  return ranked.slice(0, k).map((entry) => entry.item)
}
