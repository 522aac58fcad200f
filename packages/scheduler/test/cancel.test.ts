import { TaskgraphError, delayed, gather } from '@taskgraph/core'
import { afterEach, describe, expect, test } from 'vitest'
import { CancelledError, compute } from '@taskgraph/scheduler'
import { EXECUTORS } from './executors.js'
import { deferred, never, nextTurn, rejection } from './helpers.js'

describe.each(EXECUTORS)('on the %s executor', (executor) => {
  test('aborting the signal rejects with CancelledError and starts no further task', async () => {
    const controller = new AbortController()
    const ran: string[] = []
    const first = delayed(async () => {
      ran.push('first')
      controller.abort()
      await Promise.resolve()
      return 1
    })
    const next = delayed((n: number) => {
      ran.push(`next ${n}`)
      return n + 1
    })
    const error = await rejection(
      compute(next(next(first())), { executor, signal: controller.signal }),
    )
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).toBeInstanceOf(TaskgraphError)
    expect(error).toMatchObject({ code: 'ERR_CANCELLED' })
    expect(ran).toEqual(['first'])
  })

  test('a synchronous task aborting stops the run before the next task', async () => {
    const controller = new AbortController()
    const ran: string[] = []
    const step = (name: string, abort = false) =>
      delayed(() => {
        ran.push(name)
        if (abort) controller.abort()
        return name
      })
    const target = gather(step('a')(), step('b', true)(), step('c')())
    const run = target.compute({ executor, signal: controller.signal })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(ran).toEqual(['a', 'b'])
  })

  test('an already aborted signal rejects at once and runs nothing', async () => {
    let calls = 0
    const stuck = delayed(() => {
      calls++
      return never()
    })
    const signal = AbortSignal.abort()
    const events: string[] = []
    const hooks = {
      onStart: () => events.push('start'),
      onFinish: () => events.push('finish'),
    }
    await expect(stuck().compute({ executor, signal, hooks })).rejects.toBeInstanceOf(
      CancelledError,
    )
    expect(calls).toBe(0)
    // The run never started, so no hook reports on it.
    expect(events).toEqual([])
  })

  test('the abort reason is the cause', async () => {
    const reason = new Error('user pressed stop')
    const error = await rejection(
      delayed(() => 1)().compute({ executor, signal: AbortSignal.abort(reason) }),
    )
    expect((error as CancelledError).cause).toBe(reason)
  })

  test('a task in flight that never ends does not hold up the cancellation', async () => {
    const controller = new AbortController()
    const started = deferred()
    const stuck = delayed(() => {
      started.resolve()
      return never()
    })
    const run = stuck().compute({ executor, signal: controller.signal })
    await started.promise
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(CancelledError)
  })

  test('aborting after the run finished changes nothing', async () => {
    const controller = new AbortController()
    const result = await delayed(() => 7)().compute({ executor, signal: controller.signal })
    controller.abort()
    expect(result).toBe(7)
  })
})

describe('a hook that throws while the run is cancelled', () => {
  const uncaught: unknown[] = []
  const record = (error: unknown) => uncaught.push(error)
  afterEach(() => {
    process.off('uncaughtException', record)
    uncaught.length = 0
  })

  test('does not escape as an uncaught exception; the run rejects with CancelledError', async () => {
    process.on('uncaughtException', record)
    const controller = new AbortController()
    const started = deferred()
    const stuck = delayed(() => {
      started.resolve()
      return never()
    })
    const hooks = {
      onFinish() {
        throw new Error('hook failed')
      },
    }
    const run = stuck().compute({ executor: 'async', signal: controller.signal, hooks })
    await started.promise
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    await nextTurn()
    expect(uncaught).toEqual([])
  })
})
