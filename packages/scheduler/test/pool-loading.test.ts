import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gather } from '@taskgraph/core'
import { CancelledError, compute, ExecutorClosedError } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { logged, nestedNodeOptions, step, where } from './fixtures/pool-tasks.mjs'
import { lines, newLog } from './faults/logs.js'
import { rejection } from './helpers.js'
import { childProcesses, makePool, POOLS, threadCount } from './pools.js'

// A pool executor's engine (pool/pool-engine.ts and what it imports) is loaded when the
// pool is first used, not when the scheduler is (the CLI's entry-loading test checks
// which modules load when): these check what a pool does before its engine is there.

describe.each(POOLS)('a %s pool before its engine is loaded', (name) => {
  test('it knows which functions a worker reaches, so that its first run fuses chains', async () => {
    const pool = makePool(name, { workers: 1 })
    // Made by a module's top-level code: a worker re-makes it by importing the module.
    expect(pool.canFuse(step.fn)).toBe(true)
    // Made at run time: it runs on this thread, alone.
    expect(pool.canFuse(() => 1)).toBe(false)
    await pool.close()
  })

  test('closed at once, it rejects a run with ExecutorClosedError', async () => {
    const pool = makePool(name, { workers: 1 })
    await pool.close()
    expect(await rejection(compute(where('a'), { executor: pool }))).toBeInstanceOf(
      ExecutorClosedError,
    )
  })

  // The second call returned at once, while the first was still ending the workers.
  test('closed twice at once, each close resolves once its workers are gone', async () => {
    const before = childProcesses()
    const pool = makePool(name, { workers: 2 })
    await pool.start()
    const first = pool.close()
    await pool.close()
    // Worker processes are this process's children, to be seen gone (threads are not),
    // and heard gone: a pool's close waits for each to exit.
    expect(childProcesses({ unreaped: true }).filter((pid) => !before.includes(pid))).toEqual([])
    await first
  })

  test('declared with `await using`, it is closed as its block ends', async () => {
    let outside: ReturnType<typeof makePool>
    {
      await using pool = makePool(name, { workers: 1 })
      outside = pool
      expect(await compute(where('a'), { executor: pool })).toHaveLength(1)
    }
    expect(await rejection(compute(where('b'), { executor: outside }))).toBeInstanceOf(
      ExecutorClosedError,
    )
  })

  test('closed while its engine loads, the run waiting for it is rejected, not run', async () => {
    const pool = makePool(name, { workers: 1 })
    const log = newLog()
    const running = compute(logged(log, 'ran'), { executor: pool })
    await pool.close()
    expect(await rejection(running)).toBeInstanceOf(ExecutorClosedError)
    expect(lines(log)).toEqual([])
  })

  test('a run cancelled while its engine loads sends no task; the next run computes', async () => {
    const pool = makePool(name, { workers: 1 })
    try {
      const log = newLog()
      const controller = new AbortController()
      const cancelled = compute(gather([logged(log, 'a'), logged(log, 'b')]), {
        executor: pool,
        signal: controller.signal,
      })
      controller.abort()
      expect(await rejection(cancelled)).toBeInstanceOf(CancelledError)
      expect(await compute(logged(log, 'c'), { executor: pool })).toEqual(['c'])
      expect(lines(log)).toEqual(['c'])
    } finally {
      await pool.close()
    }
  })
})

describe.each(POOLS)('a %s pool’s spawn()', (name) => {
  test('starts its workers without waiting for them to be ready', async () => {
    const started = await mkdtemp(join(tmpdir(), 'taskgraph-spawn-'))
    process.env.TASKGRAPH_TEST_STARTED_DIR = started
    const pool = makePool(name, {
      workers: 2,
      preload: [fileURLToPath(new URL('fixtures/says-it-started.mjs', import.meta.url))],
    })
    try {
      // Its workers never get ready: `start()` would not resolve.
      let ready = false
      void pool.start().then(() => (ready = true))
      await pool.spawn()
      // Both workers run, loading their preload module.
      await expect.poll(() => readdirSync(started).length, { timeout: 20_000 }).toBe(2)
      expect(ready).toBe(false)
    } finally {
      delete process.env.TASKGRAPH_TEST_STARTED_DIR
      await pool.close()
      await rm(started, { recursive: true, force: true })
    }
    if (name === 'processes') expect(childProcesses()).toEqual([])
  })

  test('after close(), it starts nothing', async () => {
    const pool = makePool(name, { workers: 1 })
    await pool.close()
    const before = name === 'processes' ? childProcesses().length : threadCount()
    await pool.spawn()
    expect(name === 'processes' ? childProcesses().length : threadCount()).toBe(before)
  })
})

describe.each(POOLS)('a %s pool’s worker', (name) => {
  test('lives on when a failure its preload handled echoes as an unhandled rejection', async () => {
    const pool = makePool(name, {
      workers: 1,
      preload: [fileURLToPath(new URL('fixtures/handled-echo.mjs', import.meta.url))],
    })
    try {
      const [first] = await compute(where('a'), { executor: pool })
      // The echo has come by now: the same worker runs the next task.
      await new Promise((resolve) => setTimeout(resolve, 200))
      const [second] = await compute(where('b'), { executor: pool })
      expect(second).toEqual({ ...first, tag: 'b' })
    } finally {
      await pool.close()
    }
  })
})

describe('a process pool started inside a process pool’s worker', () => {
  test('starts its workers with the Node options of their parent, and --expose-gc once', async () => {
    const pool = makePool('processes', { workers: 1 })
    try {
      const [options] = await compute(nestedNodeOptions(), { executor: pool })
      expect(options.filter((option) => option === '--expose-gc')).toHaveLength(1)
    } finally {
      await pool.close()
    }
  })
})
