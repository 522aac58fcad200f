import {
  WorkerStartError,
  compute,
  type ProcessExecutor,
  type TaskInfo,
  type ThreadExecutor,
} from '@taskgraph/scheduler'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { neverLoaded as NeverLoaded } from '../fixtures/hangs-on-import.mjs'
import { inc } from '../fixtures/pool-tasks.mjs'
import { rejection } from '../helpers.js'
import { makePool, POOLS, type PoolName } from '../pools.js'
import { expectNothingLeft, running, type Running } from './leftovers.js'

// A pool's workers import every module that made task functions as they get ready. The
// module that never finishes importing is loaded only once these pools are ready, so that
// they show what happens when a task needs it in workers already running; every pool made
// after that, in this file, finds it among the modules to import as it starts.
// The start timeout bounds the wait for the module that never loads; it must also leave
// a worker of a busy machine (CI runs the packages' suites at once) time to start.
const START_TIMEOUT = 4000
let before: Running
const ready = new Map<PoolName, ThreadExecutor | ProcessExecutor>()
let neverLoaded: typeof NeverLoaded
beforeAll(async () => {
  before = running()
  for (const name of POOLS) {
    const pool = makePool(name, { workers: 1, startTimeout: START_TIMEOUT })
    ready.set(name, pool)
    expect(await compute(inc(1), { executor: pool })).toEqual([2])
  }
  ;({ neverLoaded } = await import('../fixtures/hangs-on-import.mjs'))
})
afterAll(async () => {
  await Promise.all([...ready.values()].map((pool) => pool.close()))
  await expectNothingLeft(before)
})

describe.each(POOLS)('a module whose import never finishes in %s workers', (name) => {
  test('needed in workers already running: WorkerStartError, and the pool carries on', async () => {
    const pool = ready.get(name)!
    const error = await rejection(compute(neverLoaded(1), { executor: pool }))
    expect(error).toBeInstanceOf(WorkerStartError)
    expect(error).toMatchObject({ code: 'ERR_WORKER_START' })
    expect(await compute(inc(2), { executor: pool })).toEqual([3])
  })

  // A chain runs as one call: it failed before the steps ahead of that one ran, where the
  // same tasks unfused run them first.
  test('needed by a later step of a chain: the steps before it run, then WorkerStartError', async () => {
    const pool = ready.get(name)!
    const ended: string[] = []
    const hooks = { onTaskEnd: (task: TaskInfo) => void ended.push(task.key) }
    const first = inc(3)
    const error = await rejection(compute(neverLoaded(first), { executor: pool, hooks }))
    expect(error).toBeInstanceOf(WorkerStartError)
    expect(error).toMatchObject({ code: 'ERR_WORKER_START' })
    expect(ended).toEqual([first.key])
  })

  test('keeps new workers from getting ready: WorkerStartError, no worker left', async () => {
    const start = running()
    const run = compute(neverLoaded(2), {
      executor: name,
      workers: 1,
      startTimeout: START_TIMEOUT,
    })
    const error = await rejection(run)
    expect(error).toBeInstanceOf(WorkerStartError)
    expect(error).toMatchObject({ code: 'ERR_WORKER_START' })
    // The run made its own pool, and ended it before it rejected.
    await expectNothingLeft(start)
  })
})

// Was told to "fix the module, or the preload option, so that it imports in a worker".
test('a worker process killed by a signal while starting: WorkerStartError whose fix says so', async () => {
  const pool = makePool('processes', {
    workers: 1,
    preload: [fileURLToPath(new URL('../fixtures/killed-while-starting.mjs', import.meta.url))],
  })
  try {
    const error = await rejection(compute(inc(1), { executor: pool }))
    expect(error).toBeInstanceOf(WorkerStartError)
    expect(error).toMatchObject({ code: 'ERR_WORKER_START' })
    // The fix is the point here: the signal, from outside taskgraph, not the module.
    expect((error as Error).message).toMatch(/SIGKILL, from outside taskgraph/)
    expect((error as Error).message).not.toMatch(/so that it imports in a worker/)
  } finally {
    await pool.close()
  }
})
