import { gather } from '@taskgraph/core'
import { ExecutorClosedError, compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { startsThenWaits } from '../fixtures/fault-tasks.mjs'
import { inc } from '../fixtures/pool-tasks.mjs'
import { rejection } from '../helpers.js'
import { makePool, POOLS } from '../pools.js'
import { expectNothingLeft, running } from './leftovers.js'
import { lines, newLog } from './logs.js'

// Only pools can be closed: the inline and async executors hold nothing to release.
describe.each(POOLS)('a closed %s executor', (name) => {
  test('runs nothing: compute rejects with ExecutorClosedError, starting no worker', async () => {
    const before = running()
    const pool = makePool(name, { workers: 1, startTimeout: 5000 })
    await pool.close()
    const error = await rejection(compute(inc(1), { executor: pool }))
    expect(error).toBeInstanceOf(ExecutorClosedError)
    expect(error).toMatchObject({ code: 'ERR_EXECUTOR_CLOSED' })
    await expectNothingLeft(before)
  })

  test('that ran tasks before rejects later runs with ExecutorClosedError', async () => {
    const before = running()
    const pool = makePool(name, { workers: 1, startTimeout: 5000 })
    expect(await compute(inc(1), { executor: pool })).toEqual([2])
    await pool.close()
    await expectNothingLeft(before)
    expect(await rejection(compute(inc(2), { executor: pool }))).toBeInstanceOf(ExecutorClosedError)
    await expectNothingLeft(before)
  })

  test('closed while a task runs: the run rejects with ExecutorClosedError', async () => {
    const before = running()
    const pool = makePool(name, { workers: 1, startTimeout: 5000 })
    const log = newLog()
    const run = rejection(
      compute(gather([startsThenWaits(log, 10_000), inc(1)]), { executor: pool }),
    )
    // The task is running in the worker.
    await expect.poll(() => lines(log), { timeout: 10_000 }).toEqual(['started'])
    await pool.close()
    const error = await run
    expect(error).toBeInstanceOf(ExecutorClosedError)
    expect(error).toMatchObject({ code: 'ERR_EXECUTOR_CLOSED' })
    await expectNothingLeft(before)
  })

  test('closed while its workers start: the run rejects with ExecutorClosedError', async () => {
    const before = running()
    const pool = makePool(name, { workers: 2, startTimeout: 5000 })
    const run = rejection(compute(gather([inc(1), inc(2), inc(3)]), { executor: pool }))
    // Its calls wait in the executor while the workers start.
    await expect.poll(() => running(), { timeout: 10_000 }).not.toEqual(before)
    await pool.close()
    expect(await run).toBeInstanceOf(ExecutorClosedError)
    await expectNothingLeft(before)
  })
})
