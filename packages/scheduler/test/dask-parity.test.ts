import { delayed, gather, literal, toGraph } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { compute, persist } from '@taskgraph/scheduler'
import { EXECUTORS, shared } from './executors.js'
import { add, bigLength, constant, divmod, tick, times10, user } from './fixtures/counted-tasks.mjs'
import { expectCallsInWorkers, recordCalls } from './helpers.js'

const log = recordCalls()

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const options = { executor: shared(name) }
  expectCallsInWorkers(log, name)

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

  test("get and at await a promise they read, as every task's result is awaited", async () => {
    const pending = literal({ p: Promise.resolve(5), list: [Promise.resolve('a')] })
    expect(await compute(pending.get('p'), pending.get('list').at(0), options)).toEqual([5, 'a'])
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
    const dDivmod = delayed(divmod, { nout: 2 })
    const [q, r] = dDivmod(9, 4)
    expect(await compute(q, r, options)).toEqual([2, 1])
    expect(log.count('divmod')).toBe(1)
  })

  test('gather collects values given one by one, as an array or as an object', async () => {
    const a = constant('a')
    const b = constant(2)
    expect(await gather(a, b).compute(options)).toEqual(['a', 2])
    expect(await gather([a, b, 'plain']).compute(options)).toEqual(['a', 2, 'plain'])
    expect(await gather({ x: a, y: { z: b } }).compute(options)).toEqual({ x: 'a', y: { z: 2 } })
  })

  test('compute of several targets runs a shared task once and returns each result', async () => {
    const a = constant(2)
    const total = add(a, 40)
    expect(await compute(a, total, options)).toEqual([2, 42])
    expect(log.count('constant')).toBe(1)
  })

  test('persist computes now and gives a data node under the same key', async () => {
    const expensive = constant({ big: [1, 2, 3] })
    const kept = await expensive.persist(options)
    expect(log.count('constant')).toBe(1)
    expect(kept.key).toBe(expensive.key)
    expect(kept.isData).toBe(true)
    expect(await compute(bigLength(kept), kept, options)).toEqual([3, { big: [1, 2, 3] }])
    expect(toGraph(bigLength(kept)).getNodeAttribute(kept.key, 'kind')).toBe('data')
    expect(log.count('constant')).toBe(1)
  })

  test('persist() from the scheduler does the same as Delayed#persist', async () => {
    const value = tick(log.directory())
    const kept = await persist(value, options)
    expect(kept.key).toBe(value.key)
    expect(await times10(kept).compute(options)).toBe(10)
    expect(log.count('tick')).toBe(1)
  })
})
