import { afterAll, describe, expect, expectTypeOf, test } from 'vitest'
import { delayed } from '@taskgraph/core'
import { CancelledError, TaskError, submit } from '@taskgraph/scheduler'
import { EXTERNAL } from './external-executor.js'
import { IN_PROCESS, SUITE_EXECUTORS, shared } from './executors.js'
import { computesInside, fanIn, fanInNaps } from './fixtures/continuation-tasks.mjs'
import { HERE, recordCalls, rejection } from './helpers.js'
import { POOLS, makePool } from './pools.js'

// A task that submits work and waits for it without holding its worker slot (Dask's
// secede/rejoin): it returns the work and a continuation that takes the work's results.
// Its slot is free while the work runs, so even a pool of one worker gets through it.

const log = recordCalls()

/** The calls of the tasks given `label`, in the order they were made. */
function callsOf(label: string): { name: string; place: string }[] {
  return log
    .calls()
    .map(({ name, detail }) => ({ name, ...(detail as { label: string; place: string }) }))
    .filter((call) => call.label === label)
}

/** The squares of 0 … n-1, and their sum: what fanIn's continuation gets and makes. */
function squares(n: number): { results: number[]; total: number } {
  const results = Array.from({ length: n }, (_, i) => i * i)
  return { results, total: results.reduce((sum, x) => sum + x, 0) }
}

describe.each(SUITE_EXECUTORS)(
  'waiting for work from inside a task, on the %s executor',
  (name) => {
    const options = { executor: shared(name) }

    test("the continuation gets the task's own state and the sub-tasks' results, in order", async () => {
      const result = await fanIn(`${name} job`, 6).compute(options)
      expectTypeOf(result.results).toEqualTypeOf<number[]>()
      expect(result).toMatchObject({ state: { label: `${name} job` }, ...squares(6) })
      const calls = callsOf(`${name} job`)
      expect(calls.map((call) => call.name)).toEqual([
        'fanIn',
        ...Array<string>(6).fill('square'),
        'combine',
      ])
      // The state is the one the task made where it ran.
      expect(result.state.startedIn).toBe(calls[0]!.place)
    })

    test("a failing sub-task fails the task, with the sub-task's TaskError as its cause", async () => {
      const error = await rejection(fanIn(`${name} broken`, 4, 2).compute(options))
      expect(error).toBeInstanceOf(TaskError)
      expect((error as TaskError).functionName).toBe('fanIn')
      const cause = (error as TaskError).cause
      expect(cause).toBeInstanceOf(TaskError)
      expect(cause).toMatchObject({ key: `${name} broken-square-2`, functionName: 'square' })
      expect((cause as TaskError).cause).toMatchObject({ message: 'square 2 fails' })
      expect(callsOf(`${name} broken`).filter((call) => call.name === 'combine')).toEqual([])
    })

    test('cancelling the run stops the sub-tasks, and the continuation never runs', async () => {
      const controller = new AbortController()
      const run = fanInNaps(`${name} naps`, 2, 5_000).compute({
        ...options,
        signal: controller.signal,
      })
      await log.until(() => callsOf(`${name} naps`).some((call) => call.name === 'nap'))
      controller.abort('enough')
      await expect(run).rejects.toBeInstanceOf(CancelledError)
      expect(callsOf(`${name} naps`).filter((call) => call.name === 'combine')).toEqual([])
    })
  },
)

// A pool of one worker: a task that awaited work it submitted to the pool would hold the
// only worker while that work waited for it. Returned, the work runs once the task ends.
describe.skipIf(EXTERNAL !== undefined).each(POOLS)('on a pool of one %s worker', (name) => {
  const pool = makePool(name, { workers: 1 })
  afterAll(() => pool.close())

  test('a task that waits for 8 sub-tasks this way completes, all in the one worker', async () => {
    const result = await fanIn(`${name} one`, 8).compute({ executor: pool })
    expect(result).toMatchObject({ state: { label: `${name} one` }, ...squares(8) })
    const calls = callsOf(`${name} one`)
    expect(calls.map((call) => call.name)).toEqual([
      'fanIn',
      ...Array<string>(8).fill('square'),
      'combine',
    ])
    // One worker ran them all, one after the other: the task had let go of it.
    const places = new Set(calls.map((call) => call.place))
    expect(places.size).toBe(1)
    expect(places.has(HERE)).toBe(false)
  })
})

// A task in a pool worker that computes (or submits) naming no executor runs that work
// in its worker: TASKGRAPH_EXECUTOR chooses the program's executor, not one more pool
// inside each of its workers (on N cores, N pools of N workers).
describe.skipIf(EXTERNAL !== undefined).each(POOLS)(
  'a task on a %s pool that computes naming no executor',
  (name) => {
    test('runs that work in its own worker, whatever TASKGRAPH_EXECUTOR says', async () => {
      const before = process.env.TASKGRAPH_EXECUTOR
      // Workers take the environment as it is when they start.
      process.env.TASKGRAPH_EXECUTOR = name
      const pool = makePool(name, { workers: 1 })
      try {
        expect(await computesInside(`${name} inside`, 3).compute({ executor: pool })).toBe(5)
      } finally {
        if (before === undefined) delete process.env.TASKGRAPH_EXECUTOR
        else process.env.TASKGRAPH_EXECUTOR = before
        await pool.close()
      }
      const calls = callsOf(`${name} inside`)
      expect(calls.map((call) => call.name)).toEqual([
        'computesInside',
        'square',
        'square',
        'square',
      ])
      expect(new Set(calls.map((call) => call.place)).size).toBe(1)
      expect(calls[0]!.place).not.toBe(HERE)
    })
  },
)

// In-process executors run a task's own futures beside it: awaiting them works, and
// holds the task's slot while they run.
describe.skipIf(EXTERNAL !== undefined).each(IN_PROCESS)(
  'submit from inside a task on the %s executor',
  (name) => {
    test('runs the futures beside the task, which gets their results', async () => {
      const square = (x: number): number => x * x
      const waits = delayed(async (n: number) => {
        const futures = Array.from({ length: n }, (_, i) => submit(square, i))
        return (await Promise.all(futures)).reduce((sum, x) => sum + x, 0)
      })
      expect(await waits(5).compute({ executor: name })).toBe(squares(5).total)
    })
  },
)
