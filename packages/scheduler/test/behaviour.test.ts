import { KeyClashError, delayed, gather, literal } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { EXECUTORS } from './executors.js'
import { nextTurn } from './helpers.js'

describe.each(EXECUTORS)('on the %s executor', (executor) => {
  const options = { executor }

  test('a shared dependency runs once', async () => {
    const calls: string[] = []
    const load = delayed(() => {
      calls.push('load')
      return 10
    })
    const double = delayed((x: number) => {
      calls.push('double')
      return 2 * x
    })
    const add = delayed((a: number, b: number) => a + b)
    const data = load()
    expect(await add(double(data), data).compute(options)).toBe(30)
    expect(calls.sort()).toEqual(['double', 'load'])
  })

  test('identical pure calls are one task that runs once', async () => {
    let calls = 0
    const square = delayed(
      (x: number) => {
        calls++
        return x * x
      },
      { pure: true },
    )
    expect(await compute(square(3), square(3), gather(square(3), square(4)), options)).toEqual([
      9,
      9,
      [9, 16],
    ])
    expect(calls).toBe(2)
  })

  test('identical calls with default keys each run', async () => {
    let calls = 0
    const tick = delayed(() => ++calls)
    const results = await compute(tick(), tick(), options)
    expect(results.sort()).toEqual([1, 2])
  })

  test('identical tasks under one explicit key run once', async () => {
    let calls = 0
    const load = delayed((path: string) => {
      calls++
      return path.toUpperCase()
    })
    const first = load.with({ key: 'load' })('a.csv')
    const second = load.with({ key: 'load' })('a.csv')
    expect(await compute(first, second, options)).toEqual(['A.CSV', 'A.CSV'])
    expect(calls).toBe(1)
  })

  test('two different tasks under one key reject with KeyClashError before anything runs', async () => {
    let calls = 0
    const load = delayed((path: string) => {
      calls++
      return path
    })
    const run = compute(
      load.with({ key: 'load' })('a.csv'),
      load.with({ key: 'load' })('b.csv'),
      options,
    )
    await expect(run).rejects.toBeInstanceOf(KeyClashError)
    expect(calls).toBe(0)
  })

  test('a target given twice runs once and is returned twice', async () => {
    let calls = 0
    const value = delayed(() => ++calls)()
    expect(await compute(value, value, options)).toEqual([1, 1])
  })

  test('arguments are resolved at any depth of arrays and plain objects', async () => {
    const seen: unknown[] = []
    const inspect = delayed((...args: unknown[]) => {
      seen.push(...args)
      return args.length
    })
    const one = delayed(() => 1)()
    const two = literal(2)
    const plain = { untouched: [1, 2] }
    await inspect(
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
    expect(seen[4]).toBe(plain)
  })

  test('changing an argument array after the call does not change the task', async () => {
    const sum = delayed((values: number[]) => values.reduce((a, b) => a + b, 0))
    const one = delayed(() => 1)()
    const values = [one, 2]
    const total = sum(values)
    values.push(100)
    values[0] = 1000
    expect(await total.compute(options)).toBe(3)
  })

  test('only what the requested outputs need runs', async () => {
    const ran: string[] = []
    const step = (name: string) =>
      delayed(
        (..._inputs: unknown[]) => {
          ran.push(name)
          return name
        },
        { name },
      )
    const base = step('base')()
    step('unrequested')(base)
    const wanted = step('wanted')(base)
    expect(await wanted.compute(options)).toBe('wanted')
    expect(ran).toEqual(['base', 'wanted'])
  })

  test('literal values feed tasks and are returned as they are', async () => {
    const data = { rows: [1, 2, 3] }
    const node = literal(data, { name: 'data' })
    const count = delayed((d: { rows: number[] }) => d.rows.length)(node)
    const [value, rows] = await compute(node, count, options)
    expect(value).toBe(data)
    expect(rows).toBe(3)
  })

  test('async task functions are awaited', async () => {
    const fetchLength = delayed(async (text: string) => {
      await nextTurn()
      return text.length
    })
    const add = delayed((a: number, b: number) => a + b)
    expect(await add(fetchLength('abc'), fetchLength('de')).compute(options)).toBe(5)
  })

  test('compute returns each target with its Delayed replaced by results', async () => {
    const one = delayed(() => 1)()
    const two = delayed(() => 2)()
    const result = await compute({ one, list: [one, two, 'plain'] }, two, 'no tasks', options)
    expect(result).toEqual([{ one: 1, list: [1, 2, 'plain'] }, 2, 'no tasks'])
  })

  test('compute without targets resolves to an empty list', async () => {
    expect(await compute(options)).toEqual([])
  })
})
