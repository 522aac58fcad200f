import { gather } from '@taskgraph/core'
import {
  AsyncExecutor,
  CancelledError,
  InlineExecutor,
  ProcessExecutor,
  TaskError,
  ThreadExecutor,
  compute,
  type Executor,
  type ExecutorName,
} from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { EXECUTORS } from '../executors.js'
import { failsAfter, slowWhere } from '../fixtures/fault-tasks.mjs'
import { busyFor, inc } from '../fixtures/pool-tasks.mjs'
import { rejection } from '../helpers.js'
import { closeAfterTests } from './leftovers.js'
import { expectRanOn } from './placement.js'

/** One executor of each kind, for runs to share; pools get one worker, so runs queue. */
function makeExecutor(name: ExecutorName): Executor {
  switch (name) {
    case 'inline':
      return new InlineExecutor()
    case 'async':
      return new AsyncExecutor()
    case 'threads':
      return new ThreadExecutor({ workers: 1, startTimeout: 5000 })
    case 'processes':
      return new ProcessExecutor({ workers: 1, startTimeout: 5000 })
  }
}

/** Run A: slower tasks, sync and async, that queue behind run B's. */
function slowerRun() {
  return gather([busyFor(80), slowWhere(100, 'a'), busyFor(90), slowWhere(100, 'b')])
}

describe.each(EXECUTORS)('two runs sharing one %s executor', (name) => {
  const executor = makeExecutor(name)
  closeAfterTests(executor)

  test('one failing fast leaves the other its results', async () => {
    // Once a pool knows B's task to be light, it takes more of A's tasks than its worker
    // can run at once: some wait in the executor's queue when B fails.
    await rejection(compute(failsAfter(1), { executor }))
    const failing = failsAfter(50)
    const b = compute(failing, { executor })
    const a = compute(slowerRun(), { executor })
    const [error, [results]] = await Promise.all([rejection(b), a])
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: failing.key })
    expect(results).toMatchObject([80, { value: 'a' }, 90, { value: 'b' }])
    expectRanOn(name, results[1])
  })

  test('one cancelled leaves the other its results', async () => {
    const controller = new AbortController()
    // b2 outlasts the abort, however long the synchronous tasks before it hold the thread.
    const b = compute(gather([slowWhere(150, 'b1'), busyFor(100), slowWhere(2000, 'b2')]), {
      executor,
      signal: controller.signal,
    })
    const a = compute(slowerRun(), { executor })
    setTimeout(() => controller.abort(new Error('no longer wanted')), 50)
    const [error, results] = await Promise.all([rejection(b), a])
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).toMatchObject({ code: 'ERR_CANCELLED' })
    expect(results).toMatchObject([[80, { value: 'a' }, 90, { value: 'b' }]])
  })

  test('the executor still runs tasks afterwards', async () => {
    expect(await compute(inc(1), { executor })).toEqual([2])
  })
})
