import { delayed } from '@taskgraph/core'
import { describe, expectTypeOf, test } from 'vitest'
import { AsCompleted, Client, asCompleted, submit, wait } from '@taskgraph/scheduler'
import type { Future, WaitResult } from '@taskgraph/scheduler'

const length = (text: string): number => text.length
const total = delayed((values: number[]) => values.reduce((a, b) => a + b, 0))
const fetchName = async (id: number): Promise<string> => Promise.resolve(`#${id}`)

describe('futures', () => {
  test('submit gives a future of what the function returns, awaited', () => {
    expectTypeOf(submit(length, 'abc')).toEqualTypeOf<Future<number>>()
    expectTypeOf(submit(fetchName, 1)).toEqualTypeOf<Future<string>>()
    expectTypeOf(submit(total, [1, 2])).toEqualTypeOf<Future<number>>()
  })

  test('a function that returns a graph gives a future of that graph’s result', () => {
    const withTotal = (values: number[]) => total(values)
    expectTypeOf(submit(withTotal, [1, 2])).toEqualTypeOf<Future<number>>()
    expectTypeOf(submit(delayed(withTotal), [1])).toEqualTypeOf<Future<number>>()
    expectTypeOf(new Client().map((n: number) => Promise.resolve(total([n])), [1])).toEqualTypeOf<
      Future<number>[]
    >()
  })

  test('arguments may be futures or Delayed values, also inside arrays', () => {
    const n = submit(length, 'abc')
    expectTypeOf(submit(total, [n, 2, delayed(length)('de')])).toEqualTypeOf<Future<number>>()
    // @ts-expect-error a future of a string is not a number
    submit(total, [submit(fetchName, 1)])
    // @ts-expect-error length takes a string
    submit(length, 3)
  })

  test('an overloaded function takes the arguments of any overload', () => {
    function measure(text: string): number
    function measure(items: readonly string[], separator: string): string
    function measure(value: string | readonly string[], separator?: string): number | string {
      return typeof value === 'string' ? value.length : value.join(separator)
    }
    expectTypeOf(submit(measure, 'abc')).toEqualTypeOf<Future<number | string>>()
    expectTypeOf(new Client().submit(measure, ['a'], '-')).toEqualTypeOf<Future<number | string>>()
    expectTypeOf(submit(delayed(measure), 'abc')).toEqualTypeOf<Future<number | string>>()
    expectTypeOf(new Client().map(measure, ['abc'])).toEqualTypeOf<Future<number | string>[]>()
    // @ts-expect-error no overload takes a number
    submit(measure, 1)
  })

  test('map, asCompleted and wait keep the futures’ type', async () => {
    const futures = new Client().map(length, ['a', 'bb'])
    expectTypeOf(futures).toEqualTypeOf<Future<number>[]>()
    expectTypeOf(new Client().map(delayed(length), ['a', submit(fetchName, 1)])).toEqualTypeOf<
      Future<number>[]
    >()
    const join = delayed((a: string, b: string) => a + b)
    // @ts-expect-error map calls the function with one item
    new Client().map(join, ['a'])
    const text: string = 'ab'
    // @ts-expect-error a string is one item, not a list of them
    new Client().map(length, text)
    // @ts-expect-error a string is one item, not a list of them
    new Client().map(delayed(length), 'ab')
    for await (const future of asCompleted(futures))
      expectTypeOf(await future).toEqualTypeOf<number>()
    expectTypeOf(wait(futures)).toEqualTypeOf<Promise<WaitResult<number>>>()
  })

  test('asCompleted and wait take futures of different types', () => {
    const mixed = [submit(length, 'a'), submit(fetchName, 1)]
    expectTypeOf(asCompleted(mixed)).toEqualTypeOf<AsCompleted<number | string>>()
    expectTypeOf(wait(new Set(mixed), { timeout: 1 })).toEqualTypeOf<
      Promise<WaitResult<number | string>>
    >()
    expectTypeOf(asCompleted<number>()).toEqualTypeOf<AsCompleted<number>>()
    // The class takes what the function takes.
    expectTypeOf(new AsCompleted(mixed)).toEqualTypeOf<AsCompleted<number | string>>()
    expectTypeOf(new AsCompleted([submit(length, 'a')])).toEqualTypeOf<AsCompleted<number>>()
    expectTypeOf(new AsCompleted<number>()).toEqualTypeOf<AsCompleted<number>>()
    expectTypeOf(new AsCompleted()).toEqualTypeOf<AsCompleted>()
    // @ts-expect-error not futures
    void new AsCompleted([Promise.resolve(1)])
    // @ts-expect-error not futures
    void wait([Promise.resolve(1)])
  })
})
