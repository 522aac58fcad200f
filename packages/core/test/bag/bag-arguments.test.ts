import { describe, expect, test } from 'vitest'
import {
  InvalidArgumentError,
  InvalidOptionError,
  NotCallableError,
  bag,
  literal,
  type Bag,
} from '../../src/index.js'
import { MAX_ITERATED_ITEMS } from '../../src/bag/from.js'

// Wrong arguments are reported when the operation is called, as the error class (and
// code) says; tests never depend on the wording.

const words = bag.from(['a', 'b', 'c'])
const numbers = bag.from([1, 2, 3])
/** Calls made with arguments the types forbid, as plain JavaScript callers can. */
const untyped = words as unknown as Record<string, (...args: unknown[]) => unknown>
const from = bag.from as (...args: unknown[]) => Bag<unknown>
const fromPartitions = bag.fromPartitions as (...args: unknown[]) => Bag<unknown>

describe('bag.from', () => {
  test.each([
    ['a number', 42],
    ['null', null],
    ['a plain object', { a: 1 }],
    ['a string, which would be cut into characters', 'a b c'],
  ])('rejects %s as the items', (_, items) => {
    expect(() => from(items)).toThrow(InvalidArgumentError)
  })

  // Was "got an object", with nothing on how to pass one.
  test('rejects an async iterable, saying how to collect it first', () => {
    async function* numbers(): AsyncGenerator<number> {
      yield await Promise.resolve(1)
    }
    expect(() => from(numbers())).toThrow(InvalidArgumentError)
    expect(() => from(numbers())).toThrow(/async iterable.*Array\.fromAsync/s)
  })

  // Was read until the array could grow no more, tens of seconds or the heap later.
  // Both tests go through 10,000,000 items: seconds on a busy machine, hence the timeout.
  test('stops reading an iterable that never ends, and closes it', () => {
    let closed = false
    function* counting(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i
      } finally {
        closed = true
      }
    }
    expect(() => bag.from(counting())).toThrow(InvalidArgumentError)
    expect(closed).toBe(true)
  }, 60_000)

  test('reads a finite generator, and an array, whole', () => {
    function* upTo(n: number): Generator<number> {
      for (let i = 0; i < n; i++) yield i
    }
    expect(bag.from(upTo(250)).partitions).toBe(100)
    expect(bag.from(new Array<number>(MAX_ITERATED_ITEMS + 1).fill(0)).partitions).toBe(100)
  }, 60_000)

  // The generator's own error escaped bare, where parallelMap names its call.
  test('tells what a generator of the items threw as its InvalidArgumentError, with the error as cause', () => {
    const broken = new RangeError('disk gone')
    function* failing(): Generator<number> {
      yield 1
      throw broken
    }
    let error: unknown
    try {
      bag.from(failing())
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as Error).message).toContain(
      'bag.from: reading the items threw (RangeError: disk gone)',
    )
    expect((error as Error).cause).toBe(broken)
  })

  test('rejects items holding Delayed values, which data cannot resolve', () => {
    expect(() => from([1, literal(2)])).toThrow(InvalidArgumentError)
    expect(() => from([{ nested: [literal(2)] }])).toThrow(InvalidArgumentError)
  })

  test.each([
    ['partitions: 0', { partitions: 0 }],
    ['partitions: 1.5', { partitions: 1.5 }],
    ["partitions: '4'", { partitions: '4' }],
    ['partitionSize: -1', { partitionSize: -1 }],
    ['both partitions and partitionSize', { partitions: 2, partitionSize: 2 }],
    ['an unknown option', { npartitions: 2 }],
    ['options that are not an object', 4],
    // Empty partitions beyond 100 and the items: { partitions: 1e9 } filled the memory.
    ['partitions: 101', { partitions: 101 }],
  ])('rejects %s with InvalidOptionError', (_, options) => {
    expect(() => from([1, 2], options)).toThrow(InvalidOptionError)
  })

  test('takes up to 100 partitions, or as many as the items', () => {
    expect(bag.from([1, 2], { partitions: 100 }).partitions).toBe(100)
    expect(bag.from(new Array<number>(150).fill(0), { partitions: 150 }).partitions).toBe(150)
  })
})

describe('bag.fromPartitions', () => {
  test.each([
    ['partitions that are not an array', { 0: [1] }],
    ['a partition that is neither an array nor a Delayed', [[1], 2]],
  ])('rejects %s', (_, partitions) => {
    expect(() => fromPartitions(partitions)).toThrow(InvalidArgumentError)
  })

  // The hole was passed over and kept in the bag: count and sum gave NaN.
  test('rejects a hole in the array of partitions, naming it', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => fromPartitions([[1], , [2]])).toThrow(
      'bag.fromPartitions: partition 1 is missing (a hole in the array)',
    )
  })
})

describe('bag operations', () => {
  test.each(['map', 'filter', 'flatMap', 'reduction', 'fold', 'foldBy'])(
    '%s rejects a function that is not one with NotCallableError',
    (operation) => {
      const args = operation === 'foldBy' ? ['key', 'not a function'] : ['not a function']
      expect(() => untyped[operation]!.apply(words, args)).toThrow(NotCallableError)
    },
  )

  test('reduction and fold check every function they are given', () => {
    expect(() => numbers.reduction((items) => items.length, 3 as never)).toThrow(NotCallableError)
    expect(() => numbers.fold((a, b) => a + b, 'add' as never)).toThrow(NotCallableError)
    // Each message's example is of the function asked for: it was map's, whatever the call.
    expect(() => numbers.reduction((items) => items.length, 3 as never)).toThrow(
      'Bag#reduction: aggregate must be a function, got a number (3). Pass the function itself, such as (results) => ..., not',
    )
    expect(() => numbers.fold(null as never)).toThrow('such as (acc, item) => ...,')
    expect(() => numbers.filter(null as never)).toThrow('such as (item) => ...,')
    expect(() =>
      numbers.foldBy(
        (x) => x,
        (a: number, b: number) => a + b,
        0,
        null as never,
      ),
    ).toThrow(NotCallableError)
  })

  test.each([
    ['groupBy', [Symbol('key')]],
    ['groupBy', [1.5]],
    ['foldBy', [{}, (a: unknown) => a]],
    ['distinct', [null]],
    ['topk', [2, true]],
    ['pluck', [(item: unknown) => item]],
  ])('%s rejects a key that is neither a function nor a property name', (operation, args) => {
    expect(() => untyped[operation]!.apply(words, args)).toThrow(InvalidArgumentError)
  })

  test.each([-1, 1.5, Number.NaN, '3', Infinity])('topk rejects k = %s', (k) => {
    expect(() => numbers.topk(k as number)).toThrow(InvalidArgumentError)
  })

  test('topk takes k = 0', () => {
    expect(() => numbers.topk(0)).not.toThrow()
  })
})
