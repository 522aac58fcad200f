import { delayed, gather } from '@taskgraph/core'
import {
  AsyncExecutor,
  StalledError,
  TaskError,
  TimeoutError,
  UnhandledRejectionError,
  compute,
  type ExecutorName,
} from '@taskgraph/scheduler'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { describe, expect, test } from 'vitest'
import { EXECUTORS, shared } from '../executors.js'
import {
  hangs,
  rejectsLater,
  rejectsWhileWaiting,
  returnsUnawaitable,
  slowWhere,
  throwsOpaque,
  throwsSymbol,
  throwsUnreadable,
  throwsValue,
} from '../fixtures/fault-tasks.mjs'
import { busyFor, busyThenAwaits, inc, spins } from '../fixtures/pool-tasks.mjs'
import { rejection } from '../helpers.js'
import { makePool, POOLS } from '../pools.js'
import { closeAfterTests } from './leftovers.js'

const IN_PROCESS = ['inline', 'async'] as const satisfies ExecutorName[]
const run = promisify(execFile)

describe.each(IN_PROCESS)('a synchronous task past its timeout on the %s executor', (name) => {
  test('returns, then fails: TimeoutError, overran', async () => {
    const task = busyFor.with({ timeout: 100 })(300)
    const error = await rejection(compute(task, { executor: name }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({
      code: 'ERR_TASK_TIMEOUT',
      key: task.key,
      timeoutMs: 100,
      how: 'overran',
    })
  })

  // Its time was counted from when run() returned the promise, and it resolved.
  test('an async function holding the thread past it before its first await: TimeoutError', async () => {
    const task = busyThenAwaits.with({ timeout: 100 })(300)
    const error = await rejection(compute(task, { executor: name }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_TASK_TIMEOUT', key: task.key, timeoutMs: 100 })
  })
})

// Begun when another run's task gave its room back, it ran inside a promise that settled
// before its time limit could fire, and succeeded.
test('a synchronous task that waited for room on a shared AsyncExecutor, then overran: TimeoutError', async () => {
  const executor = new AsyncExecutor({ concurrency: 1 })
  const holding = compute(slowWhere(200, 'held'), { executor })
  const task = busyFor.with({ timeout: 100 })(300)
  const error = await rejection(compute(task, { executor }))
  expect(error).toBeInstanceOf(TimeoutError)
  expect(error).toMatchObject({ key: task.key, timeoutMs: 100, how: 'overran' })
  expect(await holding).toHaveLength(1)
})

// A pool enforces timeouts by ending a worker, so the scheduler left them to it; a task it
// runs on this thread (`mainThread: true`) had no limit at all, and succeeded.
describe.each(POOLS)('a mainThread task past its timeout on the %s executor', (name) => {
  const pool = makePool(name, { workers: 1 })
  closeAfterTests(pool)

  test('synchronous: returns, then fails: TimeoutError, overran', async () => {
    const task = busyFor.with({ timeout: 100, mainThread: true })(300)
    const error = await rejection(compute(task, { executor: pool }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ key: task.key, timeoutMs: 100, how: 'overran' })
  })

  test('async: no longer awaited: TimeoutError, abandoned', async () => {
    // Far longer than the timeout, so that a run that waited for it is told from one
    // that did not on a machine however busy.
    const task = slowWhere.with({ timeout: 100, mainThread: true })(3000, 'late')
    const started = performance.now()
    const error = await rejection(compute(task, { executor: pool }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ key: task.key, timeoutMs: 100, how: 'abandoned' })
    expect(performance.now() - started).toBeLessThan(2500)
  })
})

describe.each(EXECUTORS)('a task that never settles on the %s executor', (name) => {
  test('with a timeout: stalled where nothing could settle it, else timed out', async () => {
    const task = hangs()
    // In a worker the stall is seen as soon as its event loop empties; the timeout there
    // only has to be longer than that takes on a busy machine.
    const inProcess = name === 'inline' || name === 'async'
    const timeout = inProcess ? 200 : 5000
    const error = await rejection(compute(task, { executor: shared(name), timeout }))
    if (inProcess) {
      // vitest's own handles keep this event loop busy, so something might still settle
      // the promise: the timeout it was given ends the wait.
      expect(error).toBeInstanceOf(TimeoutError)
      expect(error).toMatchObject({ key: task.key, timeoutMs: 200, how: 'abandoned' })
    } else {
      // The worker's event loop emptied: the promise can never settle, timeout or not.
      expect(error).toBeInstanceOf(StalledError)
      expect(error).toMatchObject({ code: 'ERR_TASK_STALLED', key: task.key })
    }
  })
})

// Stalls and unhandled rejections of in-process tasks cannot be tested here: vitest's own
// handles keep this event loop busy, so it never empties, and its own listener for
// unhandled rejections would fail the test file. The CLI's tests cover both.
describe.each(POOLS)('tasks that misbehave on the %s executor', (name) => {
  const pool = makePool(name, { workers: 1, startTimeout: 5000 })
  closeAfterTests(pool)
  const options = { executor: pool }

  test('a synchronous task past its timeout is stopped: TimeoutError, and the pool carries on', async () => {
    const task = spins.with({ timeout: 200 })()
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ key: task.key, timeoutMs: 200, how: 'stopped' })
    expect(await compute(inc(1), options)).toEqual([2])
  })

  test('an async task past its timeout is stopped: TimeoutError, and the pool carries on', async () => {
    // It waits on a timer, so its worker's event loop is not empty: it is not stalled.
    const task = slowWhere(30_000, 'too late')
    const error = await rejection(compute(task, { ...options, timeout: 200 }))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ key: task.key, timeoutMs: 200, how: 'stopped' })
    expect(await compute(inc(2), options)).toEqual([3])
  })

  test('a promise nothing can settle: StalledError, and the pool carries on', async () => {
    const task = hangs()
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(StalledError)
    expect(error).toMatchObject({ code: 'ERR_TASK_STALLED', key: task.key })
    expect(await compute(inc(3), options)).toEqual([4])
  })

  test('a rejection nothing handled, after the task returned, fails the run', async () => {
    const culprit = rejectsLater(20)
    // The other task keeps the run going until the rejection is reported.
    const run = compute(gather([culprit, slowWhere(500, 'other')]), options)
    const error = await rejection(run)
    expect(error).toBeInstanceOf(UnhandledRejectionError)
    expect(error).toMatchObject({ code: 'ERR_UNHANDLED_REJECTION', key: culprit.key })
    const cause = (error as UnhandledRejectionError).cause
    expect(cause).toBeInstanceOf(Error)
    expect(cause).toMatchObject({ name: 'RangeError', code: 'E_LATE_REJECTION' })
  })

  test('a rejection nothing handled, while the task still waits, fails the task', async () => {
    const task = rejectsWhileWaiting(2000)
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(UnhandledRejectionError)
    expect(error).toMatchObject({ code: 'ERR_UNHANDLED_REJECTION', key: task.key })
    expect((error as UnhandledRejectionError).cause).toMatchObject({
      name: 'TypeError',
      code: 'E_EARLY_REJECTION',
    })
  })
})

// The call ran once its function was looked up, away from its task's async context: the
// rejection was left to Node, which ended the program (vitest's listener hears it here).
test.each(['threads', 'processes'] as const)(
  'on %s, a task run on the main thread whose promise rejects with nothing to handle it: UnhandledRejectionError',
  async (name) => {
    // Made here, not by a module's top-level code: no worker can reach it.
    const madeHere = delayed(function madeHere() {
      setTimeout(() => void Promise.reject(new Error('while waiting')), 20)
      return new Promise((resolve) => setTimeout(() => resolve(1), 300))
    })
    const task = madeHere()
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(UnhandledRejectionError)
    expect(error).toMatchObject({ code: 'ERR_UNHANDLED_REJECTION', key: task.key })
  },
)

// On inline and async, the program ended: nothing listened for rejections once the run
// had ended. Spawned: vitest listens for them itself.
test.each(EXECUTORS)(
  'on %s, a rejection a task leaves for after its run is a warning, and the program goes on',
  async (executor) => {
    const program = fileURLToPath(new URL('../fixtures/rejects-after-run.mjs', import.meta.url))
    const cwd = fileURLToPath(new URL('../..', import.meta.url))
    const { stdout } = await run(process.execPath, [program, executor], { cwd, timeout: 20_000 })
    expect(JSON.parse(stdout)).toEqual({
      result: 'returned',
      warnings: ['TASKGRAPH_UNHANDLED_REJECTION'],
    })
    // One no task made is Node's to deal with: it ends the program.
    const outside = await run(process.execPath, [program, executor, 'then-outside'], {
      cwd,
      timeout: 20_000,
    }).catch((error: { code: number; stdout: string; stderr: string }) => error)
    expect(outside).toMatchObject({ code: 1 })
    expect((outside as { stdout: string }).stdout).not.toContain('end')
    expect((outside as { stderr: string }).stderr).toContain('outside any task')
  },
)

describe.each(EXECUTORS)('tasks throwing what is not an Error on the %s executor', (name) => {
  test.each([
    ['a string', 'not an error'],
    ['a number', 42],
    ['undefined', undefined],
    ['a plain object', { reason: 'plain', nested: { n: 1 } }],
  ])('%s: TaskError whose cause is what was thrown', async (_, thrown) => {
    const task = throwsValue(thrown)
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
    expect((error as TaskError).cause).toEqual(thrown)
  })

  // A symbol cannot be copied: it crossed a pool as its text, a string, and the message
  // read "failed: Symbol(s)" where inline's read "failed: thrown value Symbol(s)".
  test.each([
    ['a symbol', 's', false],
    ['a symbol without a description', undefined, false],
    ['a registered symbol (Symbol.for)', 'taskgraph.test', true],
  ])('%s: TaskError whose cause is a symbol, described as inline does', async (_, text, reg) => {
    const task = throwsSymbol(text, reg)
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
    const { cause } = error as TaskError
    expect(typeof cause).toBe('symbol')
    expect((cause as symbol).description).toBe(text)
    expect(Symbol.keyFor(cause as symbol)).toBe(reg ? text : undefined)
    expect((error as Error).message).toContain(`failed: thrown value Symbol(${text ?? ''})`)
  })

  // inline, async: the trap's error escaped the run, with no code; pools: the worker died
  // describing it, reported as a WorkerModuleError, and the pool's workers were ended.
  test('a Proxy whose getPrototypeOf trap throws: TaskError, and the executor carries on', async () => {
    const task = throwsOpaque()
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
    expect((error as Error).message).toMatch(
      /failed: (thrown value )?an object that throws when looked at/,
    )
    expect(await compute(inc(1), { executor: shared(name) })).toEqual([2])
  })

  // Its text went into the TaskError's message: the getter's error escaped the run (inline,
  // async), or ended the worker, which was reported as a WorkerLostError (pools).
  test.each([
    ['an error whose message getter throws', 'message'],
    ['an object whose toString throws', 'toString'],
  ] as const)('%s: TaskError', async (_, kind) => {
    const task = throwsUnreadable(kind)
    const error = await rejection(compute(task, { executor: shared(name) }))
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
  })

  // Reading its `then` threw in the scheduler (inline, async: "internal error", the run
  // never settled) or in the worker's own code (pools: WorkerLostError).
  test.each(['proxy', 'thenable'] as const)(
    'a result that throws as it is awaited (%s): TaskError whose cause is what it threw',
    async (kind) => {
      const task = returnsUnawaitable(kind)
      const error = await rejection(compute(task, { executor: shared(name) }))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key })
      expect((error as TaskError).cause).toMatchObject({ message: 'not to be awaited' })
    },
  )
})
