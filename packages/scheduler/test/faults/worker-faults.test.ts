import { gather } from '@taskgraph/core'
import {
  AggregateTaskError,
  WorkerLostError,
  compute,
  type ResultCache,
} from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import {
  begins,
  collects,
  ends,
  exitingStep,
  exitsWith,
  flakyStep,
  tiny,
} from '../fixtures/fault-tasks.mjs'
import { rejection } from '../helpers.js'
import { makePool, POOLS } from '../pools.js'
import { closeAfterTests, expectNothingLeft, running } from './leftovers.js'
import { lines, newLog } from './logs.js'

describe.each(POOLS)('faults in fused chains on the %s executor', (name) => {
  const pool = makePool(name, { workers: 1, startTimeout: 5000 })
  closeAfterTests(pool)

  test('a step that ends its worker is the one charged: WorkerLostError naming it', async () => {
    const log = newLog()
    const first = begins(log, 'first')
    const second = exitsWith(first)
    const error = await rejection(compute(second, { executor: pool }))
    expect(error).toBeInstanceOf(WorkerLostError)
    expect(error).toMatchObject({ code: 'ERR_WORKER_LOST', key: second.key, attempts: 1 })
  })

  // A cache has the results of the steps it stores brought back as they end: the run
  // keeps the last one's value, and the chain resumes after it.
  test('with a cache, a chain whose worker is lost resumes after the last step brought back', async () => {
    const log = newLog()
    const first = begins(log, 'first')
    const chain = ends(log, 'fourth', exitingStep(log, 'third', ends(log, 'second', first)))
    // Every result but the first step's: it is not brought back.
    const allButFirst: ResultCache = {
      open: () =>
        Promise.resolve({
          known: new Map(),
          stores: (key) => key !== first.key,
          completed: () => {},
          close: () => Promise.resolve(),
        }),
    }
    expect(await compute(chain, { executor: pool, cache: allButFirst })).toEqual([
      ['first', 'second', 'third', 'fourth'],
    ])
    expect(lines(log)).toEqual(['first', 'second', 'third', 'third', 'fourth'])
  })

  test('a middle step retried resumes the chain: the first step runs once', async () => {
    const log = newLog()
    const chain = ends(log, 'third', flakyStep(log, 'middle', begins(log, 'first')))
    expect(await compute(chain, { executor: pool, retries: 1 })).toEqual([
      ['first', 'middle', 'third'],
    ])
    expect(lines(log)).toEqual(['first', 'middle', 'middle', 'third'])
  })
})

describe.each(POOLS)('a %s worker lost amid a batch of tiny tasks', (name) => {
  test('only the task that ended it fails; the others finish, once each', async () => {
    const before = running()
    const pool = makePool(name, { workers: 2, startTimeout: 5000 })
    try {
      const options = { executor: pool, failFast: false }
      // Once their cost is known, tiny tasks go to workers many to a batch.
      const warmUp = Array.from({ length: 50 }, (_, i) => tiny(i, -1))
      expect(await compute(gather(warmUp), options)).toEqual([warmUp.map((_, i) => 2 * i)])
      const tasks = Array.from({ length: 51 }, (_, i) => tiny(i, 10))
      const culprit = tasks[10]!
      // Consumers on either side of the culprit: tasks start in the order their consumers
      // finish, so the culprit goes to a worker amid the others, in one batch with some.
      const [early, late] = [tasks.slice(0, 10), tasks.slice(11)]
      const [earlyLog, lateLog] = [newLog(), newLog()]
      const graph = gather([collects(earlyLog, early), culprit, collects(lateLog, late)])
      const error = await rejection(compute(graph, options))
      expect(error).toBeInstanceOf(AggregateTaskError)
      const { errors } = error as AggregateTaskError
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(WorkerLostError)
      expect(errors[0]).toMatchObject({ key: culprit.key, attempts: 1 })
      const doubled = (from: number, to: number): string =>
        JSON.stringify(Array.from({ length: to - from }, (_, i) => 2 * (from + i)))
      expect([lines(earlyLog), lines(lateLog)]).toEqual([[doubled(0, 10)], [doubled(11, 51)]])
    } finally {
      await pool.close()
    }
    await expectNothingLeft(before)
  })
})
