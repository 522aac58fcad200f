import { compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { exitingTotal, flakyTotal } from '../fixtures/fault-tasks.mjs'
import { makeArray, total } from '../fixtures/pool-tasks.mjs'
import { makePool, POOLS } from '../pools.js'
import { closeAfterTests } from './leftovers.js'
import { lines, newLog } from './logs.js'

/**
 * Elements of the arrays the tasks make: 2 MiB of data, enough for a pool to move an
 * array to a worker rather than copy it, where it may.
 */
const LENGTH = 1 << 18

describe.each(POOLS)('typed arrays made in %s workers', (name) => {
  const pool = makePool(name, { workers: 1, startTimeout: 5000 })
  closeAfterTests(pool)

  test('a persisted array serves later runs, and the one the user holds stays whole', async () => {
    const options = { executor: pool }
    const kept = await makeArray(LENGTH).persist(options)
    const [held] = await compute(kept, options)
    expect(held).toBeInstanceOf(Float64Array)
    expect(await compute(total(kept), options)).toEqual([LENGTH])
    expect(held.length).toBe(LENGTH)
    expect(await compute(total(kept), options)).toEqual([LENGTH])
    expect(held.length).toBe(LENGTH)
    const [again] = await compute(kept, options)
    expect(again).toBe(held)
  })

  // With one array, the task making it and the one reading it run fused, as one call; with
  // two, the reading task is a call of its own, handed arrays that came back from workers.
  describe.each([
    ['one array', () => [makeArray(LENGTH)]],
    ['two arrays', () => [makeArray(LENGTH), makeArray(LENGTH)]],
  ])('a retried task reading %s made in workers', (_, arrays) => {
    test('gets them whole after its first attempt threw', async () => {
      const log = newLog()
      const made = arrays()
      const task = flakyTotal(log, ...made)
      expect(await compute(task, { executor: pool, retries: 1 })).toEqual([made.length * LENGTH])
      expect(lines(log)).toEqual(['attempt', 'attempt'])
    })

    test('gets them whole after its first attempt ended its worker', async () => {
      const log = newLog()
      const made = arrays()
      const task = exitingTotal(log, ...made)
      expect(await compute(task, { executor: pool, retries: 1 })).toEqual([made.length * LENGTH])
      expect(lines(log)).toEqual(['attempt', 'attempt'])
    })
  })
})
