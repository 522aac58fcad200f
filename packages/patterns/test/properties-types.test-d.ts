import type { Delayed } from '@taskgraph/core'
import { delayedProperties, parallelCompute, properties } from '@taskgraph/patterns'
import { describe, expectTypeOf, test } from 'vitest'

const base = properties<{ data: number[]; scale: number; label: string }>().batch('data')

const Normalized = base
  .parallel('individualResult', (x) => x.data * x.scale)
  .whole('mean', { uses: ['individualResult'] }, (all) => {
    const { individualResult } = all
    return individualResult.reduce((a, b) => a + b, 0) / individualResult.length
  })
  .parallel('normalizedResult', { uses: ['individualResult', 'mean'] }, async (x) =>
    Promise.resolve(x.individualResult - x.mean),
  )

describe('property functions', () => {
  test('see every field without uses: one element of batched fields, the others whole', () => {
    base.parallel('a', (x) => {
      expectTypeOf(x).toEqualTypeOf<{
        readonly data: number
        readonly scale: number
        readonly label: string
      }>()
      return 0
    })
    base.whole('a', (all) => {
      expectTypeOf(all).toEqualTypeOf<{
        readonly data: number[]
        readonly scale: number
        readonly label: string
      }>()
      return 0
    })
  })

  test('see exactly what uses names: per element, elements; whole, stacked arrays', () => {
    Normalized.parallel('b', { uses: ['normalizedResult', 'mean', 'data'] }, (x) => {
      expectTypeOf(x).toEqualTypeOf<{
        readonly normalizedResult: number
        readonly mean: number
        readonly data: number
      }>()
      return x.normalizedResult > x.mean
    }).whole('c', { uses: ['b', 'mean', 'data', 'label'] }, (all) => {
      expectTypeOf(all).toEqualTypeOf<{
        readonly b: boolean[]
        readonly mean: number
        readonly data: number[]
        readonly label: string
      }>()
      return all.b.filter(Boolean).length
    })
  })

  test('see nothing that uses does not name', () => {
    Normalized.parallel('b', { uses: ['mean'] }, (x) => {
      expectTypeOf(x).toHaveProperty('mean')
      expectTypeOf(x).not.toHaveProperty('data')
      expectTypeOf(x).not.toHaveProperty('individualResult')
      return x.mean
    })
    // Task options alone keep the default: every field, no property.
    Normalized.parallel('b', { retries: 2 }, (x) => {
      expectTypeOf(x).toEqualTypeOf<{
        readonly data: number
        readonly scale: number
        readonly label: string
      }>()
      return 0
    })
  })

  test('typed-array fields give numbers per element', () => {
    properties<{ xs: Float64Array; tags: string[] }>()
      .batch('xs', 'tags')
      .parallel('p', (x) => {
        expectTypeOf(x.xs).toEqualTypeOf<number>()
        expectTypeOf(x.tags).toEqualTypeOf<string>()
        return 0
      })
  })
})

describe('definitions reject', () => {
  test('unknown names in uses', () => {
    // @ts-expect-error no field or property "nope"
    base.parallel('a', { uses: ['nope'] }, () => 0)
    // @ts-expect-error normalizedResult is defined later, so mean cannot use it
    base.parallel('x', (x) => x.data).whole('mean', { uses: ['normalizedResult'] }, () => 0)
  })

  test('a name already taken by a field or a property', () => {
    // @ts-expect-error a field's name
    base.parallel('scale', () => 0)
    // @ts-expect-error a property's name
    Normalized.whole('mean', () => 0)
  })

  test('batching over a field that is not an array', () => {
    // @ts-expect-error scale is a number, label a string
    properties<{ data: number[]; scale: number; label: string }>().batch('scale', 'label')
  })
})

describe('objects', () => {
  const computation = Normalized.create({ data: [1, 2, 3], scale: 2, label: 'x' })

  test('have their fields, and every property with its stacked type', () => {
    expectTypeOf(computation.data).toEqualTypeOf<number[]>()
    expectTypeOf(computation.individualResult).toEqualTypeOf<number[]>()
    expectTypeOf(computation.mean).toEqualTypeOf<number>()
    expectTypeOf(computation.normalizedResult).toEqualTypeOf<number[]>()
    // @ts-expect-error fields are read-only
    computation.scale = 3
    // @ts-expect-error a batched field is missing
    Normalized.create({ scale: 2, label: 'x' })
  })

  test('parallelCompute takes known property names and returns the object', () => {
    expectTypeOf(parallelCompute(computation, ['normalizedResult'])).toEqualTypeOf<
      Promise<typeof computation>
    >()
    void parallelCompute(computation, ['mean', 'individualResult'], {
      executor: 'processes',
      workers: 3,
      cacheDir: 'cache',
      memoryLimit: 1e6,
    })
    // @ts-expect-error no such property
    void parallelCompute(computation, ['normalized'])
    // @ts-expect-error a field is not a property
    void parallelCompute(computation, ['data'])
    // @ts-expect-error unknown option
    void parallelCompute(computation, ['mean'], { max_workers: 3 })
  })

  test('delayedProperties gives a Delayed of the requested values', () => {
    expectTypeOf(delayedProperties(computation, ['normalizedResult', 'mean'])).toEqualTypeOf<
      Delayed<{ normalizedResult: number[]; mean: number }>
    >()
    // @ts-expect-error no such property
    delayedProperties(computation, ['nope'])
    // @ts-expect-error run options belong to compute()
    delayedProperties(computation, ['mean'], { executor: 'inline' })
  })
})
