import { bag, type Bag, type Delayed } from '@taskgraph/core'
import { TaskError, compute, type ExecutorName } from '@taskgraph/scheduler'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import * as reference from './bag-reference.js'
import { shared } from './executors.js'
import {
  add,
  countUp,
  double,
  groupCode,
  inc,
  isEven,
  isPositive,
  lengthOf,
  mod3,
  negate,
  pairCode,
  repeats,
  total,
} from './fixtures/bag-tasks.mjs'

/**
 * Random pipelines over randomly partitioned numbers, computed on an executor, must give
 * what the same operations give on a plain array: partitioning, merging and where the
 * tasks run change nothing in the result.
 */

interface Step {
  readonly name: string
  readonly bag: (b: Bag<number>) => Bag<number>
  readonly array: (items: number[]) => number[]
}

const STEPS: readonly Step[] = [
  { name: 'map(double)', bag: (b) => b.map(double), array: (xs) => xs.map(double) },
  { name: 'map(inc)', bag: (b) => b.map(inc), array: (xs) => xs.map(inc) },
  { name: 'filter(isEven)', bag: (b) => b.filter(isEven), array: (xs) => xs.filter(isEven) },
  {
    name: 'filter(isPositive)',
    bag: (b) => b.filter(isPositive),
    array: (xs) => xs.filter(isPositive),
  },
  { name: 'flatMap(repeats)', bag: (b) => b.flatMap(repeats), array: (xs) => xs.flatMap(repeats) },
  {
    name: 'map(repeats).flatten()',
    bag: (b) => b.map(repeats).flatten(),
    array: (xs) => xs.flatMap(repeats),
  },
  { name: 'distinct()', bag: (b) => b.distinct(), array: (xs) => reference.distinct(xs) },
  {
    name: 'distinct(mod3)',
    bag: (b) => b.distinct(mod3),
    array: (xs) => reference.distinct(xs, mod3),
  },
  {
    name: 'frequencies().map(pairCode)',
    bag: (b) => b.frequencies().map(pairCode),
    array: (xs) => reference.frequencies(xs).map(pairCode),
  },
  {
    name: 'groupBy(mod3).map(groupCode)',
    bag: (b) => b.groupBy(mod3).map(groupCode),
    array: (xs) => reference.groupBy(xs, mod3).map(groupCode),
  },
  {
    name: 'foldBy(mod3, add, 0, add).map(pairCode)',
    bag: (b) => b.foldBy(mod3, add, 0, add).map(pairCode),
    array: (xs) => reference.foldBy(xs, mod3, add, 0).map(pairCode),
  },
  {
    name: 'foldBy(mod3, add).map(pairCode)',
    bag: (b) => b.foldBy(mod3, add).map(pairCode),
    array: (xs) => reference.foldBy(xs, mod3, add).map(pairCode),
  },
]

interface Final {
  readonly name: string
  readonly bag: (b: Bag<number>) => Delayed<unknown>
  /** `undefined`: no value for these items, so computing must fail. */
  readonly array: (items: number[]) => unknown
}

const FINALS: readonly Final[] = [
  { name: 'compute', bag: (b) => b, array: (xs) => xs },
  { name: 'count', bag: (b) => b.count(), array: (xs) => xs.length },
  { name: 'sum', bag: (b) => b.sum(), array: reference.sum },
  {
    name: 'mean',
    bag: (b) => b.mean(),
    array: (xs) => (xs.length === 0 ? undefined : reference.sum(xs) / xs.length),
  },
  {
    name: 'min',
    bag: (b) => b.min(),
    array: (xs) => (xs.length === 0 ? undefined : reference.min(xs)),
  },
  {
    name: 'max',
    bag: (b) => b.max(),
    array: (xs) => (xs.length === 0 ? undefined : reference.max(xs)),
  },
  {
    name: 'fold(add)',
    bag: (b) => b.fold(add),
    array: (xs) => (xs.length === 0 ? undefined : xs.reduce(add)),
  },
  { name: 'fold(countUp, add, 0)', bag: (b) => b.fold(countUp, add, 0), array: (xs) => xs.length },
  { name: 'topk(3)', bag: (b) => b.topk(3), array: (xs) => reference.topk(xs, 3) },
  {
    name: 'topk(2, negate)',
    bag: (b) => b.topk(2, negate),
    array: (xs) => reference.topk(xs, 2, negate),
  },
  {
    name: 'reduction(lengthOf, total)',
    bag: (b) => b.reduction(lengthOf, total),
    array: (xs) => xs.length,
  },
]

/** Items and how they are cut: given partitions (some empty, maybe none), or cut by bag.from. */
type Source =
  | { readonly kind: 'partitions'; readonly parts: number[][] }
  | { readonly kind: 'from'; readonly items: number[]; readonly partitions: number }

// -0 on purpose: Map and Set keys treat it as 0, and the bag must keep items as they are.
const item = fc.oneof(fc.integer({ min: -20, max: 20 }), fc.constant(-0))
const source: fc.Arbitrary<Source> = fc.oneof(
  fc.record({
    kind: fc.constant('partitions' as const),
    parts: fc.array(fc.array(item, { maxLength: 8 }), { maxLength: 6 }),
  }),
  fc.record({
    kind: fc.constant('from' as const),
    items: fc.array(item, { maxLength: 40 }),
    partitions: fc.integer({ min: 1, max: 7 }),
  }),
)

const pipeline = fc.record({
  source,
  steps: fc.array(fc.constantFrom(...STEPS), { maxLength: 4 }),
  final: fc.constantFrom(...FINALS),
})

const RUNS: Record<ExecutorName, number> = { inline: 300, async: 150, threads: 80, processes: 40 }

describe.each(['inline', 'async', 'threads', 'processes'] as const)(
  'random bag pipelines on the %s executor',
  (name) => {
    const options = { executor: shared(name) }

    test('give what the same operations give on an array', { timeout: 60_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(pipeline, async ({ source, steps, final }) => {
          let b =
            source.kind === 'partitions'
              ? bag.fromPartitions(source.parts)
              : bag.from(source.items, { partitions: source.partitions })
          let items = source.kind === 'partitions' ? source.parts.flat() : source.items
          for (const step of steps) {
            b = step.bag(b)
            items = step.array(items)
          }
          const expected = final.array(items)
          if (expected === undefined) {
            const failure = await final
              .bag(b)
              .compute(options)
              .then(
                () => undefined,
                (error: unknown) => error,
              )
            expect(failure).toBeInstanceOf(TaskError)
          } else {
            expect(await compute(final.bag(b), options)).toEqual([expected])
          }
        }),
        { numRuns: RUNS[name] },
      )
    })
  },
)
