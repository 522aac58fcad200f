// The tasks of a bag's reductions: one task per partition reduces it to a partial
// result (`<name>-part`), then one task combines the partials in partition order
// (`<name>`). The combining task runs on the thread that computes the graph, where the
// partials arrive; it only sees one small value per partition.
import { delayed } from '../lazy/delayed-function.js'
import { applying, ownCheck } from './applied-functions.js'
import { asPartition } from './as-partition.js'
import { partitionTask } from './partition-task.js'
import { numeric, synchronous } from './function-results.js'
import type { Comparable } from './key-selector.js'
import { checkRankable } from './rankable.js'

type Binary = (a: unknown, b: unknown) => unknown
/** A fold's result so far: empty until it has a value (no initial value, no items yet). */
type Partial = [] | [unknown]

export const reducePart = partitionTask(
  applying(function reducePart(
    part: readonly unknown[],
    perPartition: (items: unknown[]) => unknown,
    _partition: number,
  ) {
    // A copy: on the calling thread the partition is the bag's own array (or another
    // task's result), which a perPartition sorting it in place would change for every
    // later step and run.
    return perPartition(Array.from(asPartition('reduction', part)))
  }, 1),
  { name: 'reduce-part' },
)

export const aggregateParts = delayed(
  applying(function aggregate(combine: (partials: unknown[]) => unknown, partials: unknown[]) {
    return combine(partials)
  }, 0),
  { name: 'aggregate', mainThread: true },
)

export const countPart = partitionTask(
  function countPart(part: readonly unknown[], _partition: number): number {
    return asPartition('count', part).length
  },
  { name: 'count-part' },
)

export const countAll = delayed(
  function count(partials: number[]): number {
    return partials.reduce((total, n) => total + n, 0)
  },
  { name: 'count', mainThread: true },
)

export const sumPart = partitionTask(
  function sumPart(part: readonly number[], _partition: number): number {
    let total = 0
    for (const value of asPartition('sum', part)) total += numeric('sum', value)
    return total
  },
  { name: 'sum-part' },
)

export const sumAll = delayed(
  function sum(partials: number[]): number {
    return partials.reduce((total, n) => total + n, 0)
  },
  { name: 'sum', mainThread: true },
)

export const meanPart = partitionTask(
  function meanPart(part: readonly number[], _partition: number): [total: number, count: number] {
    let total = 0
    for (const value of asPartition('mean', part)) total += numeric('mean', value)
    return [total, part.length]
  },
  { name: 'mean-part' },
)

export const meanAll = delayed(
  function mean(partials: [total: number, count: number][]): number {
    let total = 0
    let count = 0
    for (const [t, n] of partials) {
      total += t
      count += n
    }
    if (count === 0) throw new RangeError('Bag#mean: the bag is empty, so it has no mean.')
    return total / count
  },
  { name: 'mean', mainThread: true },
)

export const minPart = partitionTask(
  function minPart(part: readonly Comparable[], _partition: number): Partial {
    const items = asPartition('min', part)
    checkRankable('min', 'an item', items)
    return foldItems(items, smaller, [])
  },
  { name: 'min-part' },
)

export const minAll = delayed(
  function min(partials: Partial[]): unknown {
    return only(
      foldItems(ranked('min', partials.flat()), smaller, []),
      'Bag#min: the bag is empty, so it has no smallest item.',
    )
  },
  { name: 'min', mainThread: true },
)

export const maxPart = partitionTask(
  function maxPart(part: readonly Comparable[], _partition: number): Partial {
    const items = asPartition('max', part)
    checkRankable('max', 'an item', items)
    return foldItems(items, larger, [])
  },
  { name: 'max-part' },
)

export const maxAll = delayed(
  function max(partials: Partial[]): unknown {
    return only(
      foldItems(ranked('max', partials.flat()), larger, []),
      'Bag#max: the bag is empty, so it has no largest item.',
    )
  },
  { name: 'max', mainThread: true },
)

export const foldPart = partitionTask(
  applying(function foldPart(
    part: readonly unknown[],
    binop: Binary,
    seed: Partial,
    _partition: number,
  ): Partial {
    return foldItems(asPartition('fold', part), synchronous('fold', 'binop', binop), seed)
  }, 1),
  { name: 'fold-part' },
)

export const foldAll = delayed(
  applying(function fold(
    combine: Binary,
    role: 'combine' | 'binop',
    seed: Partial,
    partials: Partial[],
  ): unknown {
    // `role`: what the user calls the function that joins the partitions, `binop` when no
    // `combine` was given, so that a failure names the function they passed.
    return only(
      foldItems(partials.flat(), synchronous('fold', role, combine), seed),
      'Bag#fold: the bag is empty and no initial value was given, so there is nothing to fold. Pass an initial value: fold(binop, combine, initial).',
    )
  }, 0),
  { name: 'fold', mainThread: true },
)

/**
 * `items` folded with `binop` from `seed`'s value, or without a start value when `seed`
 * is empty (as `Array.prototype.reduce`); empty when there was nothing to fold.
 */
export function foldItems(items: readonly unknown[], binop: Binary, seed: Partial): Partial {
  let i = 0
  let acc: unknown
  if (seed.length === 1) acc = seed[0]
  else if (items.length === 0) return []
  else acc = items[i++]
  for (; i < items.length; i++) acc = binop(acc, items[i])
  return [acc]
}

/** The partitions' smallest or largest items, checked again: partitions may hold different kinds. */
function ranked(operation: string, items: unknown[]): unknown[] {
  checkRankable(operation, 'an item', items)
  return items
}

// The step's own check: a fold's failure names the user's combine, but not for this.
function only(partial: Partial, ifEmpty: string): unknown {
  if (partial.length === 0) throw ownCheck(new RangeError(ifEmpty))
  return partial[0]
}

function smaller(a: unknown, b: unknown): unknown {
  return (b as Comparable) < (a as Comparable) ? b : a
}

function larger(a: unknown, b: unknown): unknown {
  return (b as Comparable) > (a as Comparable) ? b : a
}
