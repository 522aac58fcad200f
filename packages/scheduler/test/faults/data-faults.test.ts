import { SerializationError, TaskError, compute, type ExecutorName } from '@taskgraph/scheduler'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { EXECUTORS, shared } from '../executors.js'
import {
  causeCycle,
  echoes,
  makesCauseCycle,
  makesCycle,
  makesDeep,
  makesProxy,
  makesThrowingGetter,
  measuresDepth,
  nest,
  throwsCauseCycle,
  type Ring,
} from '../fixtures/fault-tasks.mjs'
import { inc, makeArray, sumAfter } from '../fixtures/pool-tasks.mjs'
import { judgingCache } from '../judging-cache.js'
import { rejection } from '../helpers.js'
import { makePool, POOLS } from '../pools.js'
import { closeAfterTests } from './leftovers.js'
import { lines, newLog } from './logs.js'
import { expectRanOn } from './placement.js'

/** Deeper than any copy between threads or processes can go (it would run out of stack). */
const DEEP = 100_000

describe.each(POOLS)('results a %s worker cannot send back', (name) => {
  const pool = makePool(name, { workers: 1, startTimeout: 5000 })
  closeAfterTests(pool)

  test.each([
    ['a Proxy', makesProxy],
    ['an object whose getter throws', makesThrowingGetter],
    // V8 writes it, then cannot read it back: the run hung (threads) or the program
    // crashed (processes).
    ['an error whose cause leads back to itself', makesCauseCycle],
    [`data nested ${DEEP} levels deep`, (log: string) => makesDeep(log, DEEP)],
    // Written there, then too deep for this thread to read back: a WorkerLostError.
    ['data nested 3,000 levels deep', (log: string) => makesDeep(log, 3000)],
  ])('%s: SerializationError, never retried', async (_, make) => {
    const log = newLog()
    const task = make(log)
    const error = await rejection(compute(task, { executor: pool, retries: 2 }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: task.key,
      direction: 'result',
    })
    expect(lines(log)).toEqual(['attempt'])
    // The worker was not lost over it.
    expect(await compute(inc(1), { executor: pool })).toEqual([2])
  })

  // A step a cache asks for is weighed in its worker before it is sent: a getter that
  // throws there leaves it to the copy, which finds it cannot be sent. The chain goes on.
  test('an object whose getter throws, as a step a cache asks for: not sent, and the chain goes on', async () => {
    const { cache, completed, passedOver } = judgingCache()
    const made = makesThrowingGetter(newLog())
    // No `next`: measured 0 deep.
    const [measured] = await compute(measuresDepth(made as never), { executor: pool, cache })
    expect(measured.depth).toBe(0)
    expect(completed.has(made.key)).toBe(false)
    expect(passedOver.has(made.key)).toBe(false)
  })
})

describe.each(EXECUTORS)('cyclic values on the %s executor', (name) => {
  const options = { executor: shared(name) }
  const mainThreadWarnings: Error[] = []
  const listener = (warning: Error & { code?: string }): void => {
    if (warning.code === 'TASKGRAPH_MAIN_THREAD') mainThreadWarnings.push(warning)
  }
  beforeEach(() => {
    mainThreadWarnings.length = 0
    process.on('warning', listener)
  })
  afterEach(() => {
    process.off('warning', listener)
    // Pools run these tasks in their workers: nothing falls back to the main thread.
    expect(mainThreadWarnings).toEqual([])
  })

  test('a task returning a cyclic object', async () => {
    const [ring] = await compute(makesCycle('ring'), options)
    expect(ring.self).toBe(ring)
    expect(ring.name).toBe('ring')
    expectRanOn(name, ring)
  })

  test('a cyclic object as an argument', async () => {
    const ring = { name: 'given' } as Ring
    ring.self = ring
    const [echo] = await compute(echoes(ring), options)
    const value = echo.value as Ring
    expect(value.self).toBe(value)
    expect(value.name).toBe('given')
    expectRanOn(name, echo)
  })
})

describe.each(['inline', 'async'] as const satisfies ExecutorName[])(
  'deep arguments on the %s executor',
  (name) => {
    test(`an argument nested ${DEEP} levels deep reaches the task`, async () => {
      const task = measuresDepth(nest(DEEP))
      const [measured] = await compute(task, { executor: name })
      expect(measured.depth).toBe(DEEP)
      expectRanOn(name, measured)
    })
  },
)

describe.each(POOLS)('deep arguments on the %s executor', (name) => {
  test(`an argument nested ${DEEP} levels deep: SerializationError`, async () => {
    const task = measuresDepth(nest(DEEP))
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: task.key,
      direction: 'argument',
    })
  })

  // Found only once the copy failed: the check then looked at the first task's arguments
  // alone, and blamed that task, not the fused step at fault.
  test(`an argument nested ${DEEP} levels deep, of a fused step: SerializationError of its own task`, async () => {
    const task = sumAfter(makeArray(2), nest(DEEP) as never)
    const error = await rejection(compute(inc(task), { executor: shared(name) }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      key: task.key,
      functionName: 'sumAfter',
      direction: 'argument',
      valueType: 'data nested more than a thousand levels deep',
    })
    expect((error as SerializationError).path).toMatch(/^args\[1\]\.next/)
  })
})

// V8 writes an error whose cause leads back to itself, then fails to read it back: such
// an argument hung the run (threads) or crashed every worker started for it (processes).
describe.each(POOLS)('an error whose cause leads back to itself on the %s executor', (name) => {
  test('as an argument: SerializationError', async () => {
    const task = echoes({ error: causeCycle('given') })
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({ key: task.key, direction: 'argument' })
  })
})

describe.each(EXECUTORS)(
  'a thrown error whose cause leads back to itself on the %s executor',
  (name) => {
    test('fails its task with a TaskError holding a copy', async () => {
      const task = throwsCauseCycle()
      const error = await rejection(compute(task, { executor: shared(name) }))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
      expect((error as TaskError).cause).toMatchObject({ message: 'its own cause' })
    })
  },
)
