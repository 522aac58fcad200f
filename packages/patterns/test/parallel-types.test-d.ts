// Types of parallelMap, Vectorizer and inbatchParallel: item, result, state and post
// types are inferred from the functions given, and wrong arguments do not compile.
import { literal, type Delayed } from '@taskgraph/core'
import {
  Vectorizer,
  anyFailed,
  callArgs,
  inbatchParallel,
  parallelMap,
  type Batch,
  type InBatchFunction,
} from '@taskgraph/patterns'
import { describe, expectTypeOf, test } from 'vitest'

interface Model {
  readonly vocabulary: Set<string>
}
declare function loadModel(): Promise<Model>
declare function tokenize(text: string): string[]

describe('parallelMap and Vectorizer', () => {
  test('the item and result types come from fn; async results are awaited', () => {
    expectTypeOf(parallelMap(tokenize, ['a b'])).toEqualTypeOf<Promise<string[][]>>()
    expectTypeOf(parallelMap((x: number) => Promise.resolve(x * 2), [1])).toEqualTypeOf<
      Promise<number[]>
    >()
    // An unannotated parameter takes the type of the items.
    expectTypeOf(parallelMap((x) => x.toFixed(1), new Set([1.5]))).toEqualTypeOf<
      Promise<string[]>
    >()
    // @ts-expect-error tokenize takes strings, not numbers
    void parallelMap(tokenize, [1, 2])
  })

  // It compiled, and was refused only when the call ran.
  test('a string is not items, though iterable: pass [text]', () => {
    expectTypeOf(parallelMap(tokenize, ['a b'])).toEqualTypeOf<Promise<string[][]>>()
    // @ts-expect-error a string is one item, not a list of them
    void parallelMap(tokenize, 'a b')
    const tokenizer = new Vectorizer(tokenize)
    // @ts-expect-error a string is one item, not a list of them
    void tokenizer.process('a b')
    // @ts-expect-error a string is one item, not a list of them
    void tokenizer.map('a b')
    const lengths = inbatchParallel((text: string) => text.length, { init: 'items' })
    expectTypeOf(lengths(new Set(['a b']))).toEqualTypeOf<Promise<(number | Error)[]>>()
    // @ts-expect-error a string is one item, not a batch of them
    void lengths('a b')
    // @ts-expect-error a string is one item, not a batch of them
    void inbatchParallel((index: number) => index, { init: 'indices' })('a b')
  })

  test("init's state, awaited, is fn's second argument", () => {
    const counts = parallelMap(
      (text: string, model) => {
        expectTypeOf(model).toEqualTypeOf<Model>()
        return tokenize(text).filter((token) => model.vocabulary.has(token)).length
      },
      ['a b'],
      { init: loadModel, workers: 2 },
    )
    expectTypeOf(counts).toEqualTypeOf<Promise<number[]>>()
    // @ts-expect-error a function taking state needs an init making it
    void parallelMap((text: string, model: Model) => model.vocabulary.has(text), ['a'])
    // @ts-expect-error the state is a Model, not a string
    void parallelMap((text: string, prefix: string) => prefix + text, ['a'], { init: loadModel })
  })

  test('a Vectorizer is typed by its item, result and state', () => {
    const tokenizer = new Vectorizer(tokenize, { workers: 4 })
    expectTypeOf(tokenizer).toEqualTypeOf<Vectorizer<string, string[], undefined>>()
    expectTypeOf(tokenizer.process(['a b'])).toEqualTypeOf<Promise<string[][]>>()
    expectTypeOf(tokenizer.map(['a b', literal('c d')])).toEqualTypeOf<Delayed<string[][]>>()
    // @ts-expect-error items are strings
    void tokenizer.process([1])

    const scorer = new Vectorizer((text: string, model: Model) => model.vocabulary.has(text), {
      init: loadModel,
    })
    expectTypeOf(scorer).toEqualTypeOf<Vectorizer<string, boolean, Model>>()
  })
})

describe('inbatchParallel', () => {
  test("init 'items': the batch holds fn's items; the call's arguments follow", () => {
    const scale = inbatchParallel((item: number, factor: number) => item * factor, {
      init: 'items',
    })
    expectTypeOf(scale).toEqualTypeOf<
      InBatchFunction<[batch: Batch<number>, factor: number], (number | Error)[]>
    >()
    expectTypeOf(scale(new Float64Array(4), 2)).toEqualTypeOf<Promise<(number | Error)[]>>()
    // @ts-expect-error factor is a number
    void scale([1], 'twice')
    // @ts-expect-error the items are numbers
    void scale(['a'], 2)
  })

  test("post's results and batch are typed, and its result is the call's", () => {
    const total = inbatchParallel((item: number) => Promise.resolve(item + 1), {
      init: 'items',
      post: (results, batch) => {
        expectTypeOf(results).toEqualTypeOf<(number | Error)[]>()
        expectTypeOf(batch).toEqualTypeOf<Batch<number>>()
        return anyFailed(results) ? undefined : results.length
      },
    })
    expectTypeOf(total([1, 2])).toEqualTypeOf<Promise<number | undefined>>()
    const later = inbatchParallel((item: string) => item, {
      init: 'items',
      post: async (results) => Promise.resolve(results.join()),
    })
    expectTypeOf(later(['a'])).toEqualTypeOf<Promise<string>>()
  })

  test("init 'indices' and 'once': the batch's type comes from post", () => {
    const fill = inbatchParallel((index: number, data: Float64Array) => (data[index] = index), {
      init: 'indices',
      post: (_results, batch: Float64Array) => batch,
    })
    expectTypeOf(fill).parameters.toEqualTypeOf<[batch: Float64Array, data: Float64Array]>()
    expectTypeOf(fill(new Float64Array(2), new Float64Array(2))).toEqualTypeOf<
      Promise<Float64Array>
    >()
    const read = inbatchParallel(
      (src: string, fmt: string = 'raw') => Promise.resolve({ src, fmt }),
      {
        init: 'once',
      },
    )
    expectTypeOf(read).parameters.toEqualTypeOf<[batch: unknown, src: string, fmt?: string]>()
  })

  test("a custom init's argument lists are checked against fn's parameters", () => {
    const normalize = (data: number[], index: number, options: { scale: number }) =>
      data[index]! / options.scale
    const byPosition = inbatchParallel(normalize, {
      init: (batch: number[], scale: number) =>
        batch.map((_, i) => callArgs([batch, i], { scale })),
    })
    expectTypeOf(byPosition).toEqualTypeOf<
      InBatchFunction<[batch: number[], scale: number], (number | Error)[]>
    >()
    inbatchParallel((text: string, times: number) => text.repeat(times), {
      init: (batch: string[]) => batch.map((text, i) => [text, i]),
    })
    inbatchParallel((options: { text: string }) => options.text, {
      init: (batch: string[]) => batch.map((text) => callArgs({ text })),
    })
    inbatchParallel(normalize, {
      // @ts-expect-error the positions are swapped
      init: (batch: number[]) => batch.map((_, i) => callArgs([i, batch], { scale: 1 })),
    })
    inbatchParallel((text: string, times: number) => text.repeat(times), {
      // @ts-expect-error the positions are swapped
      init: (batch: string[]) => batch.map((text, i) => [i, text]),
    })
  })

  test('with() keeps the function type', () => {
    const scale = inbatchParallel((item: number) => item * 2, { init: 'items' })
    expectTypeOf(scale.with({ target: 'threads', workers: 2 })).toEqualTypeOf(scale)
    // @ts-expect-error with() takes target and workers only
    void scale.with({ init: 'indices' })
  })
})
