import { threadId } from 'node:worker_threads'
import { delayed, gather } from '@taskgraph/core'
import { compute, TaskError, TimeoutError } from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import {
  applyTo,
  failsAt,
  inc,
  same,
  sleepThen,
  step,
  stepLater,
  stepWith,
  sum,
  triple,
  where,
} from './fixtures/pool-tasks.mjs'
import { stepHere, tenfold } from './fixtures/main-only.mjs'
import { HERE, nextTurn } from './helpers.js'
import { makePool, POOLS } from './pools.js'
import { squareWhere } from './fixtures/typed-tasks.js'
import { whereDoubled } from './fixtures/plain-helpers.mjs'
import { halved } from './fixtures/wrapping-tasks.mjs'

interface Where {
  readonly value: number
  readonly pid: number
  readonly threadId: number
}

describe.each(POOLS)('on the %s executor', (name) => {
  const pool = makePool(name)
  afterAll(() => pool.close())
  const options = { executor: pool }

  test('tasks run in workers, not on this thread', async () => {
    const places = await compute(gather(['a', 'b', 'c', 'd'].map((tag) => where(tag))), options)
    const [all] = places
    expect(all.map((place) => place.tag)).toEqual(['a', 'b', 'c', 'd'])
    for (const place of all) {
      if (name === 'threads') {
        expect(place.pid).toBe(process.pid)
        expect(place.threadId).not.toBe(threadId)
      } else {
        expect(place.pid).not.toBe(process.pid)
      }
    }
  })

  test('task functions from a TypeScript module run in workers', async () => {
    const [places] = await compute(gather([squareWhere(3), squareWhere(4)]), options)
    expect(places.map((place) => place.value)).toEqual([9, 16])
    for (const place of places) {
      expect(`${place.pid}:${place.threadId}`).not.toBe(`${process.pid}:${threadId}`)
    }
  })

  test('async task functions complete in workers', async () => {
    // Workers must not block between batches (waiting with Atomics.wait would), or the
    // timers these tasks await never fire.
    const waits = Array.from({ length: 6 }, (_, i) => sleepThen(20, i))
    expect(await compute(gather(waits), options)).toEqual([[0, 1, 2, 3, 4, 5]])
  })

  test('an exported function wrapped at run time is found through its module', async () => {
    const warnings: Error[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    try {
      const tripled = delayed(triple)
      expect(await compute(tripled(5), options)).toEqual([15])
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(warnings).toEqual([])
  })

  // whereDoubled is plain-helpers.mjs's, a module that made no task function: found
  // because wrapping-tasks.mjs, which did, imports that module in a declaration.
  test("a helper's exported function wrapped at run time is found through a module importing it", async () => {
    const warnings: Error[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    let results: unknown
    try {
      const doubled = delayed(whereDoubled)
      ;[results] = await compute(gather([doubled(1), doubled(2), halved(8)]), options)
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(warnings).toEqual([])
    const [first, second, half] = results as [Where, Where, number]
    expect([first.value, second.value, half]).toEqual([2, 4, 4])
    for (const { pid, threadId: thread } of [first, second]) {
      expect(name === 'threads' ? thread : pid).not.toBe(
        name === 'threads' ? threadId : process.pid,
      )
    }
    // Looking for it imported only what wrapping-tasks.mjs had imported as it loaded: not
    // lazy-helper.mjs, which only an import() it never ran names.
    expect((globalThis as { lazyHelperEvaluated?: boolean }).lazyHelperEvaluated).toBeUndefined()
  })

  test('a closure made at run time runs on this thread, with one warning naming it', async () => {
    const offset = 100
    const local = delayed(function addOffset(x: number) {
      return { value: x + offset, threadId, pid: process.pid }
    })
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    let results: unknown
    try {
      ;[results] = await compute(gather([local(1), local(2)]), options)
      // Warnings are emitted on a later tick.
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(results).toEqual([
      { value: 101, threadId, pid: process.pid },
      { value: 102, threadId, pid: process.pid },
    ])
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
    expect(warnings[0]!.message).toMatch(/addOffset/)
  })

  // The run leaves a pool's timeouts to the pool, which ends a worker: a task it ran
  // here had no limit at all, and succeeded.
  test('a closure made at run time is held to its timeout here: overran, or abandoned', async () => {
    const spins = delayed(function spins(ms: number) {
      const end = performance.now() + ms
      while (performance.now() < end);
      return ms
    })
    const waits = delayed(async function waits(ms: number) {
      await new Promise((resolve) => setTimeout(resolve, ms))
      return ms
    })
    const quiet = (): void => {}
    process.on('warning', quiet)
    try {
      const overran = await compute(spins.with({ timeout: 50 })(300), options).catch(
        (e: unknown) => e,
      )
      expect(overran).toBeInstanceOf(TimeoutError)
      expect(overran).toMatchObject({ timeoutMs: 50, how: 'overran' })
      const abandoned = await compute(waits.with({ timeout: 50 })(5000), options).catch(
        (e: unknown) => e,
      )
      expect(abandoned).toBeInstanceOf(TimeoutError)
      expect(abandoned).toMatchObject({ timeoutMs: 50, how: 'abandoned' })
      // Within its time, it returns.
      expect(await compute(waits.with({ timeout: 5000 })(1), options)).toEqual([1])
    } finally {
      process.off('warning', quiet)
    }
  })

  // A chain runs as one call: the warning named the chain's first task.
  test('a fused step whose function a worker cannot find after all runs here, the warning naming its task', async () => {
    const later = tenfold(inc(1))
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    try {
      expect(await compute(inc(later), options)).toEqual([21])
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
    expect(warnings[0]!.message).toMatch(new RegExp(`^task "${later.key}": .* function tenfold `))
  })

  // The chain ran on this thread whole, the first time: the steps before and after that
  // one too, which run in workers once the function is known not to be found there.
  test('a fused step whose function a worker cannot find after all runs here alone, the other steps in workers', async () => {
    // A pool of its own, whose workers have not yet failed to find the function.
    const fresh = makePool(name, { workers: 1 })
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    try {
      const [trail] = await compute(step(stepHere(step([]))), { executor: fresh })
      await nextTurn()
      expect(trail).toHaveLength(3)
      const [before, here, after] = trail
      expect(here).toBe(HERE)
      expect([before, after].filter((place) => place === HERE)).toEqual([])
    } finally {
      process.off('warning', listen)
      await fresh.close()
    }
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
  })

  test('a function passed as an argument reaches the worker', async () => {
    const [result] = await compute(applyTo(triple, 5), options)
    expect(result.value).toBe(15)
    expect(`${result.pid}:${result.threadId}`).not.toBe(`${process.pid}:${threadId}`)
  })

  test('a closure passed as an argument keeps its task on this thread, with a warning', async () => {
    const offset = 10
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    let result: { value: number; pid: number; threadId: number } | undefined
    try {
      ;[result] = await compute(
        applyTo((x: number) => x + offset, 5),
        options,
      )
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(result).toEqual({ value: 15, pid: process.pid, threadId })
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
    expect(warnings[0]!.message).toMatch(/passed as an argument/)
  })

  // The whole chain ran on this thread, in every run: the steps before and after that
  // one too, which run in workers unfused.
  test('a fused step passed a closure runs here alone, the other steps in workers', async () => {
    const offset = 10
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    try {
      const addOffset = (trail: string[]): string[] => [...trail, `+${offset}`]
      const [trail] = await compute(step(stepWith(addOffset, step([]))), options)
      await nextTurn()
      expect(trail).toHaveLength(4)
      const [before, added, here, after] = trail
      expect(added).toBe('+10')
      expect(here).toBe(HERE)
      expect([before, after].filter((place) => place === HERE)).toEqual([])
    } finally {
      process.off('warning', listen)
    }
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
    expect(warnings[0]!.message).toMatch(/passed as an argument/)
  })

  test('a linear chain runs in one worker', async () => {
    let chain = step([])
    for (let i = 1; i < 12; i++) chain = step(chain)
    const [trail] = await compute(chain, options)
    expect(trail).toHaveLength(12)
    expect(new Set(trail).size).toBe(1)
    expect(trail[0]).not.toBe(`${process.pid}:${threadId}`)
  })

  test('a chain mixing sync and async steps runs in one worker, in order', async () => {
    let chain = step([])
    for (let i = 1; i < 9; i++) chain = i % 3 === 0 ? stepLater(chain) : step(chain)
    const [trail] = await compute(chain, options)
    expect(trail).toHaveLength(9)
    expect(new Set(trail).size).toBe(1)
    expect(trail[0]).not.toBe(`${process.pid}:${threadId}`)
  })

  test('a step that rejects mid-chain fails as itself, after the steps before it', async () => {
    let chain = step([])
    for (let i = 1; i < 6; i++) chain = i === 3 ? failsAt(chain, 3) : step(chain)
    const failure = await compute(chain, options).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TaskError)
    expect((failure as TaskError).key).toMatch(/^failsAt-/)
    expect(((failure as TaskError).cause as Error).message).toBe('failed at length 3')
  })

  test('many tiny tasks give the same result as inline', async () => {
    const total = sum(Array.from({ length: 5000 }, (_, i) => inc(i)))
    expect(await compute(total, options)).toEqual([(5000 * 5001) / 2])
  })
})

describe.each(POOLS)('one %s worker, busy', (name) => {
  const pool = makePool(name, { workers: 1 })
  afterAll(() => pool.close())

  test('a batch written as its worker comes to run long waits for it, rather than fail', async () => {
    // Its function found once already, the second call below is queued at once.
    await compute(same(0), { executor: pool })
    // A box inside a Map, which a call passes as it is (a plain object given to the call
    // is copied, its getter read then): its getter counts the pool's reads of it, as it
    // checks and writes the batch. `spinAt`: the read that takes 60 ms.
    const counted = (spinAt: number, value: number) => {
      const box = { reads: 0 }
      const map = new Map([
        [
          'box',
          {
            get value() {
              if (++box.reads === spinAt) {
                const until = performance.now() + 60
                while (performance.now() < until);
              }
              return value
            },
          },
        ],
      ])
      return { map, box }
    }
    // How many times sending it once reads it.
    const once = counted(0, -1)
    await compute(same(once.map), { executor: pool })
    // The race needs the second run to reach the pool within 20 ms of the first call's
    // start, which a busy machine may not give it: tried until it has been met, each
    // try's results checked.
    let met = false
    for (let attempt = 0; attempt < 8 && !met; attempt++) {
      // The first read is the pool's look for functions, as the call is placed; the
      // second, its writing the batch, which then takes 60 ms: past the time (20 ms)
      // after which a worker's running call keeps other batches off it. The worker had
      // room when the batch was taken, and has none once the batch is written; it is
      // read again when written again.
      const { map: slowToWrite, box } = counted(2, attempt)
      let second: Promise<unknown> | undefined
      const first = compute(sleepThen(200, 'first'), {
        executor: pool,
        hooks: {
          onTaskStart: () => {
            second ??= compute(same(slowToWrite), { executor: pool })
          },
        },
      })
      expect(await Promise.all([first, await first.then(() => second)])).toEqual([
        ['first'],
        [new Map([['box', { value: attempt }]])],
      ])
      met = box.reads > once.box.reads
    }
    expect(met).toBe(true)
  })
})
