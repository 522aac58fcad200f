import { delayed, gather, literal, toGraph } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute, persist } from '@taskgraph/scheduler'
import { EXECUTORS } from './executors.js'

function divmod(a: number, b: number): [number, number] {
  return [Math.floor(a / b), a % b]
}

describe.each(EXECUTORS)('on the %s executor', (executor) => {
  const options = { executor }
  const user = delayed(() => ({ name: 'Ada Lovelace', langs: ['en', 'fr', 'it'] }))

  test('get reads a property as a new task', async () => {
    const record = user()
    expect(await compute(record.get('name'), record.get('langs'), options)).toEqual([
      'Ada Lovelace',
      ['en', 'fr', 'it'],
    ])
  })

  test('at reads an element, counting from the end when negative', async () => {
    const langs = user().get('langs')
    expect(await compute(langs.at(0), langs.at(-1), langs.at(5), options)).toEqual([
      'en',
      'it',
      undefined,
    ])
  })

  test('call calls a method of the result with lazy arguments', async () => {
    const name = user().get('name')
    const separator = literal(' ')
    const space = name.call('indexOf', separator)
    expect(await compute(space, name.call('slice', 0, space), options)).toEqual([3, 'Ada'])
  })

  test('a call of a function with nout destructures into its results', async () => {
    const dDivmod = delayed(divmod, { nout: 2 })
    const [q, r] = dDivmod(7, 2)
    expect(await compute(q, r, options)).toEqual([3, 1])
    const [q2, r2] = dDivmod(20, 6).unpack()
    expect(await compute(q2, r2, options)).toEqual([3, 2])
  })

  test('destructured results share the one call', async () => {
    let calls = 0
    const dDivmod = delayed(
      (a: number, b: number) => {
        calls++
        return divmod(a, b)
      },
      { nout: 2 },
    )
    const [q, r] = dDivmod(9, 4)
    expect(await compute(q, r, options)).toEqual([2, 1])
    expect(calls).toBe(1)
  })

  test('gather collects values given one by one, as an array or as an object', async () => {
    const a = delayed(() => 'a')()
    const b = delayed(() => 2)()
    expect(await gather(a, b).compute(options)).toEqual(['a', 2])
    expect(await gather([a, b, 'plain']).compute(options)).toEqual(['a', 2, 'plain'])
    expect(await gather({ x: a, y: { z: b } }).compute(options)).toEqual({ x: 'a', y: { z: 2 } })
  })

  test('compute of several targets runs a shared task once and returns each result', async () => {
    let calls = 0
    const a = delayed(() => {
      calls++
      return 2
    })()
    const total = delayed((x: number, y: number) => x + y)(a, 40)
    expect(await compute(a, total, options)).toEqual([2, 42])
    expect(calls).toBe(1)
  })

  test('persist computes now and gives a data node under the same key', async () => {
    let calls = 0
    const expensive = delayed(() => {
      calls++
      return { big: [1, 2, 3] }
    })()
    const kept = await expensive.persist(options)
    expect(calls).toBe(1)
    expect(kept.key).toBe(expensive.key)
    expect(kept.isData).toBe(true)
    const size = delayed((value: { big: number[] }) => value.big.length)
    expect(await compute(size(kept), kept, options)).toEqual([3, { big: [1, 2, 3] }])
    expect(toGraph(size(kept)).getNodeAttribute(kept.key, 'kind')).toBe('data')
    expect(calls).toBe(1)
  })

  test('persist() from the scheduler does the same as Delayed#persist', async () => {
    let calls = 0
    const value = delayed(() => ++calls)()
    const kept = await persist(value, options)
    expect(kept.key).toBe(value.key)
    expect(await delayed((n: number) => n * 10)(kept).compute(options)).toBe(10)
    expect(calls).toBe(1)
  })
})
