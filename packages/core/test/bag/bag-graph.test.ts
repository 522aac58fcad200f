import { pathToFileURL } from 'node:url'
import { topologicalGenerations } from 'graphology-dag'
import { describe, expect, test } from 'vitest'
import { NoSchedulerError, bag, delayed, isDelayed, literal, toGraph } from '../../src/index.js'
import { originOf } from '../../src/internal.js'
import type { Bag } from '../../src/index.js'
import { double, increment, isSmall } from '../fixtures/bag-pipeline.js'

/** The task names of each step of the graph `targets` need: what `taskgraph visualize` draws. */
function steps(...targets: unknown[]): string[][] {
  const graph = toGraph(...targets)
  return topologicalGenerations(graph).map((generation) =>
    generation.map((key) => graph.getNodeAttribute(key, 'name')),
  )
}

/** How many items each partition of a `bag.from` holds (its data nodes' values). */
function sizes(b: Bag<unknown>): number[] {
  return b.toDelayed().map((part) => (part._value as unknown[]).length)
}

const split = (line: string): string[] => line.split(' ')

describe('bag.from', () => {
  test('spreads the items over the partitions asked for, in order, sizes differing by at most one', () => {
    const b = bag.from(
      Array.from({ length: 10 }, (_, i) => i),
      { partitions: 4 },
    )
    expect(b.partitions).toBe(4)
    expect(sizes(b)).toEqual([2, 3, 2, 3])
    expect(b.toDelayed().flatMap((part) => part._value as number[])).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ])
  })

  test('cuts runs of partitionSize items, the last one shorter', () => {
    expect(sizes(bag.from('abcdefghij'.split(''), { partitionSize: 4 }))).toEqual([4, 4, 2])
  })

  test('makes one partition per item up to 100 items, and 100 beyond', () => {
    expect(bag.from([1, 2, 3]).partitions).toBe(3)
    expect(bag.from(new Array<number>(250).fill(0)).partitions).toBe(100)
    expect(sizes(bag.from(new Array<number>(250).fill(0)))).toEqual(expect.arrayContaining([2, 3]))
  })

  test('takes any iterable, and makes one empty partition of nothing', () => {
    function* numbers(): Generator<number> {
      yield* [1, 2, 3]
    }
    expect(sizes(bag.from(numbers(), { partitions: 2 }))).toEqual([1, 2])
    expect(sizes(bag.from(new Set(['a', 'b', 'a'])))).toEqual([1, 1])
    expect(sizes(bag.from([]))).toEqual([0])
    expect(sizes(bag.from([], { partitions: 3 }))).toEqual([0, 0, 0])
  })
})

describe('bag graphs', () => {
  test('an element-wise operation adds one task per partition, named for it', () => {
    const b = bag
      .from([{ text: 'a b' }, { text: 'c' }], { partitions: 2 })
      .pluck('text')
      .map(split)
      .flatten()
      .filter((word) => word !== 'b')
      .flatMap((word) => [word, word])
    expect(steps(b.toDelayed())).toEqual([
      ['partition', 'partition'],
      ['pluck', 'pluck'],
      ['map', 'map'],
      ['flatten', 'flatten'],
      ['filter', 'filter'],
      ['flat-map', 'flat-map'],
    ])
  })

  test('a reduction adds a task per partition and one that combines their results', () => {
    const numbers = bag.from([1, 2, 3, 4, 5], { partitions: 2 })
    expect(steps(numbers.count())).toEqual([
      ['partition', 'partition'],
      ['count-part', 'count-part'],
      ['count'],
    ])
    const combined = [
      numbers.sum(),
      numbers.mean(),
      numbers.min(),
      numbers.max(),
      numbers.fold((a, b) => a + b),
      numbers.topk(2),
      numbers.reduction(
        (items) => items.length,
        (counts) => counts.length,
      ),
    ]
    expect(combined.map((value) => steps(value).slice(1))).toEqual(
      [
        ['sum-part', 'sum'],
        ['mean-part', 'mean'],
        ['min-part', 'min'],
        ['max-part', 'max'],
        ['fold-part', 'fold'],
        ['topk-part', 'topk'],
        ['reduce-part', 'aggregate'],
      ].map(([part, all]) => [[part, part], [all]]),
    )
  })

  test('groupBy, foldBy, frequencies and distinct merge the partitions, then split into as many', () => {
    const words = bag.from(['a', 'b', 'a', 'c', 'b', 'a'], { partitions: 3 })
    expect(steps(words.groupBy((w) => w).toDelayed())).toEqual([
      ['partition', 'partition', 'partition'],
      ['group-by-part', 'group-by-part', 'group-by-part'],
      ['group-by'],
      ['split', 'split', 'split'],
    ])
    const others = [
      words.foldBy(
        (w) => w,
        (n: number) => n + 1,
        0,
        (a, b) => a + b,
      ),
      words.frequencies(),
      words.distinct(),
    ]
    expect(others.map((b) => [b.partitions, steps(b.toDelayed()).slice(1)])).toEqual(
      [
        ['fold-by-part', 'fold-by'],
        ['frequencies-part', 'frequencies'],
        ['distinct-part', 'distinct'],
      ].map(([part, merge]) => [3, [[part, part, part], [merge], ['split', 'split', 'split']]]),
    )
  })

  test('a bag is a Delayed of all its items: one node joins its partitions', () => {
    const b = bag.from([1, 2, 3], { partitions: 3 }).map((x) => x + 1)
    expect(isDelayed(b)).toBe(true)
    expect(steps(b)).toEqual([
      ['partition', 'partition', 'partition'],
      ['map', 'map', 'map'],
      ['concat'],
    ])
    const total = delayed(function total(values: number[]) {
      return values.length
    })
    // Passed to a delayed function, the bag is its items: the task depends on the bag's node.
    const used = total(b)
    expect(toGraph(used).inNeighbors(used.key)).toEqual([b.key])
    expect(steps(used).at(-1)).toEqual(['total'])
  })

  test('toDelayed gives one Delayed per partition, in order, the same each time', () => {
    const b = bag.from([1, 2, 3, 4], { partitions: 2 }).map((x) => x * 2)
    const parts = b.toDelayed()
    expect(parts).toHaveLength(2)
    expect(parts.map((part) => part.name)).toEqual(['map', 'map'])
    expect(b.toDelayed().map((part) => part.key)).toEqual(parts.map((part) => part.key))
    expect(toGraph(b).inNeighbors(b.key)).toEqual(parts.map((part) => part.key))
  })

  test('bag.fromPartitions takes arrays of items, arrays holding Delayed, and Delayed arrays', () => {
    const load = delayed(function load(n: number) {
      return Array.from({ length: n }, (_, i) => i)
    })
    const lazy = literal(7, { name: 'seven' })
    const b = bag.fromPartitions([[1, 2], [lazy, 8], load(3)])
    expect(b.partitions).toBe(3)
    expect(steps(b.toDelayed())).toEqual([['partition', 'seven', 'load'], ['gather']])
  })

  test('an empty bag of no partitions still reduces', () => {
    const empty = bag.fromPartitions<number>([])
    expect(empty.partitions).toBe(0)
    expect(steps(empty.count())).toEqual([['count']])
    expect(empty.groupBy((x) => x).partitions).toBe(0)
  })
})

describe('a bag of 150,000 partitions', () => {
  // Its merges took every partition's result as an argument of its own, spread into one
  // call: the stack overflowed past about 120,000, building the graph. What is checked is
  // that it builds, not how fast: 2 s on a busy 2-core machine, so a timeout far above
  // vitest's 5 s default.
  test('builds its reductions and merges', { timeout: 60_000 }, () => {
    const n = 150_000
    const b = bag.from(
      Array.from({ length: n }, (_, i) => i % 10),
      { partitions: n },
    )
    expect(isDelayed(b.count())).toBe(true)
    // The frequencies' merge, split as many ways as the bag had partitions.
    expect(b.frequencies().partitions).toBe(n)
  })
})

describe('bag laziness', () => {
  test('building a pipeline calls none of its functions', () => {
    const calls: string[] = []
    const spy =
      <A extends unknown[], R>(name: string, fn: (...args: A) => R) =>
      (...args: A): R => {
        calls.push(name)
        return fn(...args)
      }
    const b = bag
      .from(['a b', 'c'], { partitions: 2 })
      .flatMap(spy('flatMap', split))
      .map(spy('map', (w: string) => w.toUpperCase()))
      .filter(spy('filter', () => true))
    b.groupBy(spy('key', (w: string) => w))
    b.foldBy(
      spy('key', (w: string) => w),
      spy('binop', (a: string) => a),
    )
    b.fold(spy('binop', (a: string) => a))
    b.reduction(
      spy('part', (items: string[]) => items.length),
      spy('all', () => 0),
    )
    b.topk(
      1,
      spy('key', (w: string) => w),
    )
    b.distinct(spy('key', (w: string) => w))
      .frequencies()
      .count()
    expect(calls).toEqual([])
  })

  test('operations return new bags and leave the one they start from as it was', () => {
    const b = bag.from([1, 2, 3], { partitions: 3 })
    const keys = b.toDelayed().map((part) => part.key)
    const mapped = b.map((x) => x * 2)
    expect(mapped).not.toBe(b)
    expect(b.toDelayed().map((part) => part.key)).toEqual(keys)
    expect(mapped.toDelayed().map((part) => part.key)).not.toEqual(keys)
  })

  test('computing goes through the registered scheduler, which core does not have', async () => {
    await expect(bag.from([1]).compute()).rejects.toBeInstanceOf(NoSchedulerError)
    await expect(bag.from([1]).persist()).rejects.toBeInstanceOf(NoSchedulerError)
  })
})

describe('functions given to bag operations', () => {
  test('are recorded with the module whose top-level code called the operation', () => {
    const url = pathToFileURL(new URL('../fixtures/bag-pipeline.ts', import.meta.url).pathname).href
    expect([double, isSmall].map((fn) => originOf(fn))).toEqual([
      { url, name: 'double', occurrence: 0 },
      { url, name: 'isSmall', occurrence: 0 },
    ])
    // Recorded by delayed() first, so the bag operation found it known already.
    expect(originOf(increment)).toEqual({ url, name: 'increment', occurrence: 0 })
  })

  test('given later, outside any module’s evaluation, have no origin', () => {
    const later = (x: number): number => x
    bag.from([1]).map(later)
    expect(originOf(later)).toBeUndefined()
  })
})
