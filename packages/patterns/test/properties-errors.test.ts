import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import {
  InvalidArgumentError,
  InvalidOptionError,
  NotCallableError,
  TaskgraphError,
} from '@taskgraph/core'
import {
  delayedProperties,
  NotComputedError,
  parallelCompute,
  properties,
} from '@taskgraph/patterns'
import { Client } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { ParallelDepComputation, ParallelNormComputation } from './fixtures/seed-properties.js'
import { rejection } from './helpers.js'

// Mistakes in definitions, objects and requests are reported before anything runs. The
// calls go around the types, as JavaScript callers can.

/** A definition as JavaScript sees it. */
interface Untyped {
  parallel(name: unknown, options?: unknown, fn?: unknown): Untyped
  whole(name: unknown, options?: unknown, fn?: unknown): Untyped
  create(fields: unknown): unknown
}

const start = (): Untyped => properties<{ data: number[]; labels: string[] }>().batch('data')
const unchecked = properties<{ data: number[] }>() as unknown as {
  batch(...fields: unknown[]): Untyped
}

describe('defining properties', () => {
  test('batch needs at least one field name', () => {
    expect(() => unchecked.batch()).toThrow(InvalidArgumentError)
    expect(() => unchecked.batch(3)).toThrow(InvalidArgumentError)
  })

  // Each was a bare TypeError: "properties(...).parallel is not a function".
  test('the steps of a definition before batch say to call batch first', () => {
    const begun = properties<{ data: number[] }>() as unknown as Untyped
    expect(() => begun.parallel('a', () => 1)).toThrow(InvalidArgumentError)
    expect(() => begun.parallel('a', () => 1)).toThrow(
      'properties().parallel: call batch(...) first, naming the fields that hold one element per item',
    )
    expect(() => begun.whole('a', () => 1)).toThrow('properties().whole: call batch(...) first')
    expect(() => begun.create({ data: [1] })).toThrow('properties().create: call batch(...) first')
  })

  test('a property name must be new', () => {
    const definition = start().parallel('a', () => 1)
    expect(() => definition.parallel('a', () => 2)).toThrow(InvalidArgumentError)
    expect(() => definition.whole('data', () => 2)).toThrow(InvalidArgumentError)
    expect(() => definition.parallel('', () => 2)).toThrow(InvalidArgumentError)
  })

  // An object with a "then" property was taken for a promise: awaiting parallelCompute
  // read the property before it was computed, and rejected with NotComputedError.
  test('a property cannot be named "then"', () => {
    expect(() => start().parallel('then', () => 1)).toThrow(
      'a property cannot be named "then": await reads "then" of the object',
    )
    expect(() => start().whole('then', () => 1)).toThrow(InvalidArgumentError)
  })

  test('a property uses only properties defined before it, so properties cannot form a cycle', () => {
    expect(() => start().parallel('a', { uses: ['a'] }, () => 1)).toThrow(InvalidOptionError)
    // "b" is taken for a field by "a": defining "b" afterwards would make a cycle possible.
    const definition = start().parallel('a', { uses: ['b'] }, () => 1)
    expect(() => definition.parallel('b', { uses: ['a'] }, () => 2)).toThrow(InvalidArgumentError)
  })

  test('a property needs a function, and known options', () => {
    expect(() => start().parallel('a')).toThrow(NotCallableError)
    expect(() => start().parallel('a', { uses: ['data'] }, 42)).toThrow(NotCallableError)
    expect(() => start().parallel('a', { requires: 'batch' }, () => 1)).toThrow(InvalidOptionError)
    expect(() => start().parallel('a', { uses: 'data' }, () => 1)).toThrow(InvalidOptionError)
    expect(() => start().whole('a', { retries: -1 }, () => 1)).toThrow(InvalidOptionError)
  })
})

describe('creating objects', () => {
  test('batched fields must be arrays of one length', () => {
    const definition = properties<{ data: number[]; labels: string[] }>()
      .batch('data', 'labels')
      .parallel('a', (x) => x.data) as unknown as Untyped
    expect(() => definition.create({ data: [1, 2, 3], labels: ['a', 'b'] })).toThrow(
      InvalidArgumentError,
    )
    expect(() => definition.create({ data: 1, labels: [] })).toThrow(InvalidArgumentError)
    expect(() => definition.create({ labels: [] })).toThrow(InvalidArgumentError)
    expect(() => definition.create(null)).toThrow(InvalidArgumentError)
  })

  test('fields a property uses must be given, and must not be named like a property', () => {
    const definition = start().parallel('a', { uses: ['scale'] }, () => 1)
    expect(() => definition.create({ data: [1] })).toThrow(InvalidArgumentError)
    expect(() => definition.create({ data: [1], scale: 2, a: 3 })).toThrow(InvalidArgumentError)
    expect(() => definition.create({ data: [1], scale: 2 })).not.toThrow()
  })

  // The own field was refused, but a getter of the class was ignored and "a" computed.
  test("a getter of the object's class named like a property is refused as an own field is", () => {
    const definition = start().parallel('a', () => 1)
    class Fields {
      data = [1, 2]
      get a(): number {
        return 3
      }
    }
    class Sub extends Fields {}
    expect(() => definition.create(new Fields())).toThrow(InvalidArgumentError)
    expect(() => definition.create(new Sub())).toThrow(InvalidArgumentError)
  })

  // A symbol-keyed field was dropped silently: no property function could see it.
  test('a field keyed by a symbol is an InvalidArgumentError', () => {
    const tag = Symbol('tag')
    expect(() => start().create({ data: [1], [tag]: 1 })).toThrow(InvalidArgumentError)
  })

  // A field held by the object's class was reported as "no such field".
  test('a field the object has only through its class is an InvalidArgumentError', () => {
    class Fields {
      get data(): number[] {
        return [1, 2]
      }
    }
    expect(() => start().create(new Fields())).toThrow(InvalidArgumentError)
    expect(() => start().create(new Fields())).toThrow(/class Fields/)
  })

  // The getter's own error escaped create, thrown from inside it.
  test('a field whose getter throws is an InvalidArgumentError, with its error as cause', () => {
    const boom = new RangeError('boom')
    const fields = {
      get data(): never {
        throw boom
      },
    }
    const error = (() => {
      try {
        start().create(fields)
      } catch (thrown) {
        return thrown
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error).toMatchObject({ cause: boom })
  })
})

describe('computing', () => {
  test('a property read before it is computed is a NotComputedError', () => {
    const computation = ParallelDepComputation.create({ data: [1] })
    expect(() => computation.result).toThrow(NotComputedError)
    try {
      void computation.tmpResult
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_NOT_COMPUTED', property: 'tmpResult' })
      expect(error).toBeInstanceOf(TaskgraphError)
    }
  })

  // Named the property's function ("result: an argument is a Future") and advised submit.
  test('a future in a field is an InvalidArgumentError naming the call', async () => {
    const future = new Client({ executor: 'inline' }).submit(Math.abs, 2)
    await future
    const computation = ParallelDepComputation.create({ data: [1, future] as never })
    for (const [caller, call] of [
      ['parallelCompute', () => parallelCompute(computation, ['result'], { executor: 'inline' })],
      ['delayedProperties', () => delayedProperties(computation, ['result'])],
    ] as const) {
      const error = await rejection(Promise.resolve().then((): unknown => call()))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
      expect((error as Error).message.startsWith(`${caller}: `)).toBe(true)
    }
  })

  test('requested names must be properties of the object', async () => {
    const computation = ParallelNormComputation.create({ data: [1, 2] })
    const ask = (names: unknown): Promise<unknown> =>
      parallelCompute(computation, names as never, { executor: 'inline' })
    expect(await rejection(ask(['nope']))).toBeInstanceOf(InvalidArgumentError)
    expect(await rejection(ask(['data']))).toBeInstanceOf(InvalidArgumentError)
    expect(await rejection(ask('mean'))).toBeInstanceOf(InvalidArgumentError)
    expect(() => delayedProperties(computation, ['nope'] as never)).toThrow(InvalidArgumentError)
  })

  test('only objects made by create can be computed', async () => {
    const plain = { data: [1, 2] }
    expect(await rejection(parallelCompute(plain as never, ['mean'] as never))).toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  // The run used to go ahead, then fail storing the values with a bare TypeError.
  test('a frozen object is refused before anything runs, unless it holds the values', async () => {
    const frozen = Object.freeze(ParallelDepComputation.create({ data: [1, 2] }))
    expect(
      await rejection(parallelCompute(frozen, ['result'], { executor: 'inline' })),
    ).toBeInstanceOf(InvalidArgumentError)
    const sealed = Object.seal(ParallelDepComputation.create({ data: [1, 2] }))
    expect(
      await rejection(parallelCompute(sealed, ['result'], { executor: 'inline' })),
    ).toBeInstanceOf(InvalidArgumentError)
    const held = await parallelCompute(
      ParallelDepComputation.create({ data: [1, 2] }),
      ['result'],
      {
        executor: 'inline',
      },
    )
    Object.freeze(held)
    await parallelCompute(held, ['result'], { executor: 'inline' })
    expect(held.result).toEqual([3, 5])
  })

  test('options are checked', async () => {
    const computation = ParallelNormComputation.create({ data: [1, 2] })
    const run = (options: unknown): Promise<unknown> =>
      parallelCompute(computation, ['mean'], options as never)
    expect(await rejection(run({ max_workers: 3 }))).toBeInstanceOf(InvalidOptionError)
    expect(await rejection(run({ memoryLimit: 10 }))).toBeInstanceOf(InvalidOptionError)
    expect(await rejection(run({ cacheDir: '' }))).toBeInstanceOf(InvalidOptionError)
    expect(await rejection(run({ cacheDir: 'x', memoryLimit: -1 }))).toBeInstanceOf(
      InvalidOptionError,
    )
    // A file where the directory goes, or above it: the first task to keep a value failed
    // with ENOTDIR, and the removal of the run's directory threw it again, hiding that.
    const file = join(mkdtempSync(join(tmpdir(), 'taskgraph-properties-')), 'file')
    writeFileSync(file, '')
    for (const cacheDir of [file, join(file, 'under')]) {
      const error = await rejection(run({ executor: 'inline', cacheDir, memoryLimit: 0 }))
      expect(error).toBeInstanceOf(InvalidOptionError)
      expect((error as Error).message).toContain(`but ${file} is a file, not a directory`)
    }
    rmSync(dirname(file), { recursive: true })
    expect(await rejection(run({ executor: 'inline', workers: 2 }))).toBeInstanceOf(
      InvalidOptionError,
    )
    expect(() => delayedProperties(computation, ['mean'], { executor: 'inline' } as never)).toThrow(
      InvalidOptionError,
    )
  })
})
