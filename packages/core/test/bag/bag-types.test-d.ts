import { describe, expectTypeOf, test } from 'vitest'
import { bag, delayed, gather, literal } from '../../src/index.js'
import type { Bag, Computed, Delayed } from '../../src/index.js'

interface Person {
  name: string
  age: number
}

const lines = bag.from(['a b', 'c'])
const numbers = bag.from([1, 2, 3])
const people = bag.from<Person>([{ name: 'ann', age: 31 }])

describe('making bags', () => {
  test('bag.from infers the item type from the iterable', () => {
    expectTypeOf(lines).toEqualTypeOf<Bag<string>>()
    expectTypeOf(bag.from(new Set([1n]))).toEqualTypeOf<Bag<bigint>>()
    expectTypeOf(bag.from(new Uint8Array(2))).toEqualTypeOf<Bag<number>>()
    expectTypeOf(bag.from(new Map([['a', 1]]))).toEqualTypeOf<Bag<[string, number]>>()
  })

  test('bag.from refuses a string, one item rather than a list of them', () => {
    const text: string = 'a b'
    // @ts-expect-error a string is one item, not a list of them
    bag.from(text)
    // @ts-expect-error a string is one item, not a list of them
    bag.from('abc', { partitions: 2 })
    expectTypeOf(bag.from([text])).toEqualTypeOf<Bag<string>>()
  })

  test('bag.fromPartitions takes arrays, arrays of lazy items and Delayed arrays', () => {
    const load = delayed((n: number) => Array.from({ length: n }, (_, i) => i))
    expectTypeOf(bag.fromPartitions([[1, 2], [literal(3)], load(4)])).toEqualTypeOf<Bag<number>>()
    // @ts-expect-error a Delayed of something other than an array of the items
    bag.fromPartitions([[1, 2], literal('three')])
  })
})

describe('element-wise operations', () => {
  test('the word count of the lesson is a bag of [word, count] pairs', () => {
    const counts = bag
      .from(['a b'])
      .flatMap((line) => line.split(' '))
      .frequencies()
    expectTypeOf(counts).toEqualTypeOf<Bag<[string, number]>>()
    expectTypeOf(counts.topk(10, ([, n]) => n)).toEqualTypeOf<Delayed<[string, number][]>>()
  })

  test('map gives the function’s result, awaited', () => {
    expectTypeOf(numbers.map((x) => `${x}`)).toEqualTypeOf<Bag<string>>()
    expectTypeOf(numbers.map((x) => Promise.resolve(x > 1))).toEqualTypeOf<Bag<boolean>>()
  })

  test('filter narrows with a type guard', () => {
    const mixed = bag.from<number | string>([1, 'a'])
    expectTypeOf(mixed.filter((x): x is string => typeof x === 'string')).toEqualTypeOf<
      Bag<string>
    >()
    expectTypeOf(mixed.filter((x) => x !== 1)).toEqualTypeOf<Bag<number | string>>()
  })

  test('flatten takes a bag of iterables only', () => {
    expectTypeOf(bag.from([[1, 2], [3]]).flatten()).toEqualTypeOf<Bag<number>>()
    expectTypeOf(bag.from([new Set(['a'])]).flatten()).toEqualTypeOf<Bag<string>>()
    // @ts-expect-error numbers are not iterable
    numbers.flatten()
  })

  test('pluck takes property names and tuple indices', () => {
    expectTypeOf(people.pluck('age')).toEqualTypeOf<Bag<number>>()
    const pairs = bag.from<[string, number]>([['a', 1]])
    expectTypeOf(pairs.pluck(1)).toEqualTypeOf<Bag<number>>()
    // @ts-expect-error not a property of Person
    people.pluck('email')
  })
})

describe('reductions', () => {
  test('sum and mean take bags of numbers', () => {
    expectTypeOf(numbers.sum()).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(numbers.mean()).toEqualTypeOf<Delayed<number>>()
    // @ts-expect-error a bag of strings has no sum
    lines.sum()
  })

  test('min, max and topk without a key take bags of comparable items', () => {
    expectTypeOf(lines.min()).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(numbers.max()).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(numbers.topk(2)).toEqualTypeOf<Delayed<number[]>>()
    // @ts-expect-error objects need a key to be ranked
    people.topk(2)
    // @ts-expect-error objects cannot be compared
    people.max()
    expectTypeOf(people.topk(2, 'age')).toEqualTypeOf<Delayed<Person[]>>()
  })

  test('count, fold and reduction', () => {
    expectTypeOf(people.count()).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(numbers.fold((a, b) => a + b)).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(
      lines.fold(
        (n, line) => n + line.length,
        (a, b) => a + b,
        0,
      ),
    ).toEqualTypeOf<Delayed<number>>()
    expectTypeOf(
      people.reduction(
        (items) => items.length,
        (counts) => counts.join(','),
      ),
    ).toEqualTypeOf<Delayed<string>>()
    expectTypeOf(
      people.reduction(
        (items) => Promise.resolve(items.length),
        (counts) => counts,
      ),
    ).toEqualTypeOf<Delayed<number[]>>()
  })
})

describe('grouping', () => {
  test('groupBy and foldBy key by a function or a property name', () => {
    expectTypeOf(people.groupBy('age')).toEqualTypeOf<Bag<[number, Person[]]>>()
    expectTypeOf(people.groupBy((p) => p.name[0])).toEqualTypeOf<
      Bag<[string | undefined, Person[]]>
    >()
    expectTypeOf(
      people.foldBy(
        'name',
        (total, p) => total + p.age,
        0,
        (a, b) => a + b,
      ),
    ).toEqualTypeOf<Bag<[string, number]>>()
    expectTypeOf(numbers.foldBy((x) => x % 2 === 0, Math.max)).toEqualTypeOf<
      Bag<[boolean, number]>
    >()
  })

  test('distinct keeps the item type', () => {
    expectTypeOf(people.distinct('name')).toEqualTypeOf<Bag<Person>>()
  })
})

describe('a bag as a lazy value', () => {
  test('computes to an array of its items, alone or among other values', () => {
    expectTypeOf(numbers.compute()).toEqualTypeOf<Promise<number[]>>()
    expectTypeOf<Computed<[Bag<string>, { n: Delayed<number> }]>>().toEqualTypeOf<
      [string[], { n: number }]
    >()
    expectTypeOf(gather({ lines, count: lines.count() })).toEqualTypeOf<
      Delayed<{ lines: string[]; count: number }>
    >()
  })

  test('is accepted where a Delayed array is', () => {
    const total = delayed((values: number[]) => values.length)
    expectTypeOf(total(numbers)).toEqualTypeOf<Delayed<number>>()
    // @ts-expect-error a bag of strings is not an array of numbers
    total(lines)
  })

  test('toDelayed and persist', () => {
    expectTypeOf(people.toDelayed()).toEqualTypeOf<Delayed<Person[]>[]>()
    expectTypeOf(people.persist()).toEqualTypeOf<Promise<Bag<Person>>>()
  })
})
