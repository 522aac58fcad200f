import { KeyClashError, delayed, gather, literal } from '@taskgraph/core'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { FALLBACKS, SUITE_EXECUTORS, shared } from './executors.js'
import {
  add,
  constant,
  double,
  inspect,
  lengthLater,
  load,
  rowCount,
  square,
  step,
  sum,
  tick,
  upper,
} from './fixtures/counted-tasks.mjs'
import { place } from './fixtures/call-log.mjs'
import { HERE, expectCallsInWorkers, nextTurn, recordCalls } from './helpers.js'

const log = recordCalls()

describe.each(SUITE_EXECUTORS)('on the %s executor', (name) => {
  const options = { executor: shared(name) }
  expectCallsInWorkers(log, name)

  test('a shared dependency runs once', async () => {
    const data = load(10)
    expect(await add(double(data), data).compute(options)).toBe(30)
    expect(log.names().sort()).toEqual(['add', 'double', 'load'])
  })

  test('identical pure calls are one task that runs once', async () => {
    const pureSquare = square.with({ pure: true })
    expect(
      await compute(pureSquare(3), pureSquare(3), gather(pureSquare(3), pureSquare(4)), options),
    ).toEqual([9, 9, [9, 16]])
    expect(log.count('square')).toBe(2)
  })

  test('identical calls with default keys each run', async () => {
    const counter = log.directory()
    const results = await compute(tick(counter), tick(counter), options)
    expect(results.sort()).toEqual([1, 2])
  })

  test('identical tasks under one explicit key run once', async () => {
    const first = upper.with({ key: 'load' })('a.csv')
    const second = upper.with({ key: 'load' })('a.csv')
    expect(await compute(first, second, options)).toEqual(['A.CSV', 'A.CSV'])
    expect(log.count('upper')).toBe(1)
  })

  test('two different tasks under one key reject with KeyClashError before anything runs', async () => {
    const run = compute(
      upper.with({ key: 'load' })('a.csv'),
      upper.with({ key: 'load' })('b.csv'),
      options,
    )
    await expect(run).rejects.toBeInstanceOf(KeyClashError)
    expect(log.count('upper')).toBe(0)
  })

  test('a target given twice runs once and is returned twice', async () => {
    const value = tick(log.directory())
    expect(await compute(value, value, options)).toEqual([1, 1])
  })

  test('arguments are resolved at any depth of arrays and plain objects', async () => {
    const one = constant(1)
    const two = literal(2)
    const plain = { untouched: [1, 2] }
    const seen = await inspect(
      one,
      'text',
      [one, [two, { deep: [[{ deeper: one }]] }]],
      { a: two, b: plain },
      plain,
    ).compute(options)
    expect(seen).toEqual([
      1,
      'text',
      [1, [2, { deep: [[{ deeper: 1 }]] }]],
      { a: 2, b: { untouched: [1, 2] } },
      { untouched: [1, 2] },
    ])
    // A copy made at the call, as Dask copies lists and dicts: what the caller changes
    // afterwards does not reach the task.
    expect(seen[4]).not.toBe(plain)
  })

  test('changing an argument array after the call does not change the task', async () => {
    const one = constant(1)
    const values = [one, 2]
    const total = sum(values)
    values.push(100)
    values[0] = 1000
    expect(await total.compute(options)).toBe(3)
  })

  test('only what the requested outputs need runs', async () => {
    const named = (taskName: string) => step.with({ name: taskName })
    const base = named('base')('base')
    named('unrequested')('unrequested', base)
    const wanted = named('wanted')('wanted', base)
    expect(await wanted.compute(options)).toBe('wanted')
    expect(log.names()).toEqual(['base', 'wanted'])
  })

  test('literal values feed tasks and are returned as they are', async () => {
    const data = { rows: [1, 2, 3] }
    const node = literal(data, { name: 'data' })
    const [value, rows] = await compute(node, rowCount(node), options)
    expect(value).toBe(data)
    expect(rows).toBe(3)
  })

  test('async task functions are awaited', async () => {
    expect(await add(lengthLater('abc'), lengthLater('de')).compute(options)).toBe(5)
  })

  test('compute returns each target with its Delayed replaced by results', async () => {
    const one = constant(1)
    const two = constant(2)
    const result = await compute({ one, list: [one, two, 'plain'] }, two, 'no tasks', options)
    expect(result).toEqual([{ one: 1, list: [1, 2, 'plain'] }, 2, 'no tasks'])
  })

  test('compute without targets resolves to an empty list', async () => {
    expect(await compute(options)).toEqual([])
  })

  test('more runs at once than the executor holds calls for each finish', async () => {
    // A pool holds two calls per worker: runs beyond that start with the executor full.
    const runs = Array.from({ length: 12 }, (_, i) =>
      add(double(load(i)), load(i)).compute(options),
    )
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 12 }, (_, i) => 3 * i))
  })
})

describe.each(FALLBACKS)('on the %s executor, a function no worker can find', (name, code) => {
  const warnings: string[] = []
  const listen = (warning: Error & { code?: string }): void => {
    if (warning.code === code) warnings.push(warning.message)
  }
  beforeEach(() => process.on('warning', listen))
  afterEach(() => {
    process.off('warning', listen)
    warnings.length = 0
  })

  test('runs on the main thread, with a warning, and gives the right result', async () => {
    // Made at run time, in a test: no worker can make it again.
    const doubleHere = delayed((x: number) => ({ value: 2 * x, ranOn: place() }))
    const result = await doubleHere(load(21)).compute({ executor: shared(name) })
    expect(result).toEqual({ value: 42, ranOn: HERE })
    // Warnings are emitted on a later tick.
    await nextTurn()
    expect(warnings).toHaveLength(1)
    // Its input came from a worker all the same.
    expect(log.calls().map((call) => call.place === HERE)).toEqual([false])
  })
})

describe('a promise given to literal', () => {
  // compute(node) would give the promise, and `await node.compute()` its value.
  test('is refused, for compute(node) and node.compute() alike', () => {
    const refused = { code: 'ERR_INVALID_ARGUMENT' }
    const promise = Promise.resolve(1)
    expect(() => compute(literal(promise as never))).toThrow(expect.objectContaining(refused))
    expect(() => literal(promise as never).compute()).toThrow(expect.objectContaining(refused))
  })

  test('inside a value is held as it is by both', async () => {
    const promise = Promise.resolve(1)
    const node = literal({ promise })
    expect(await compute(node, { executor: 'inline' })).toEqual([{ promise }])
    expect(await node.compute({ executor: 'inline' })).toEqual({ promise })
  })
})
