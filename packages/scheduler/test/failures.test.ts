import { TaskgraphError, delayed, gather } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { AggregateTaskError, TaskError } from '@taskgraph/scheduler'
import { EXECUTORS, shared } from './executors.js'
import { constant, step } from './fixtures/counted-tasks.mjs'
import { anyOfFailing, rejectsWith, stepOrFail, throwsIt } from './fixtures/failing-tasks.mjs'
import { deferred, expectCallsInWorkers, nextTurn, recordCalls, rejection } from './helpers.js'
import { isPool } from './pools.js'

const log = recordCalls()

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const options = { executor: shared(name) }
  expectCallsInWorkers(log, name)
  /**
   * Checks that the run hands back what the task threw: the very value on the calling
   * thread; on a pool, an equal copy (a task gets copies of its arguments, and what it
   * throws comes back as a copy: an error as an Error of the same name, message, stack
   * and properties). A plain object or array a task is given is a copy on every executor,
   * made at the call: what it throws of it is equal.
   */
  const expectSame = (actual: unknown, expected: unknown): void => {
    if (isPool(name)) expect(actual).toEqual(expected)
    else expect(actual).toBe(expected)
  }

  describe.each(['throws', 'rejects'] as const)('a task that %s', (how) => {
    const failing = how === 'throws' ? throwsIt : rejectsWith

    test('fails the run with a TaskError naming it, its error as cause', async () => {
      const original = new RangeError('out of range')
      const stack = original.stack
      const error = await rejection(failing.with({ key: 'explode-1' })(original).compute(options))
      expect(error).toBeInstanceOf(TaskError)
      expect(error).toBeInstanceOf(TaskgraphError)
      expect(error).toMatchObject({
        code: 'ERR_TASK_FAILED',
        key: 'explode-1',
        functionName: 'explode',
      })
      expectSame((error as TaskError).cause, original)
      expect((error as TaskError).cause).toMatchObject({ name: 'RangeError' })
      expect(((error as TaskError).cause as Error).stack).toBe(stack)
    })

    test('keeps a thrown value that is not an Error as cause', async () => {
      for (const thrown of ['boom', 42, undefined, { reason: 'x' }]) {
        const error = await rejection(failing(thrown).compute(options))
        expect(error).toBeInstanceOf(TaskError)
        if (typeof thrown === 'object') expect((error as TaskError).cause).toEqual(thrown)
        else expectSame((error as TaskError).cause, thrown)
      }
    })

    // It read "thrown value [object Object]", whatever the object said.
    test('names what a thrown plain object holds in its message', async () => {
      const thrown = { status: 404, reason: 'gone', detail: { tries: [1, 2] } }
      const error = await rejection(failing(thrown).compute(options))
      expect((error as Error).message).toContain(
        "failed: thrown value { status: 404, reason: 'gone', detail: { tries: [ 1, 2 ] } }",
      )
    })

    // It read "thrown value 10", as if the task had thrown the number.
    test('names a thrown BigInt as it is written', async () => {
      const error = await rejection(failing(10n).compute(options))
      expect((error as Error).message).toContain('failed: thrown value 10n')
      expectSame((error as TaskError).cause, 10n)
    })

    test('its dependents never run', async () => {
      const after = step.with({ name: 'after' })
      const bad = failing(new Error('bad'))
      await expect(after('after', after('after', bad)).compute(options)).rejects.toBeInstanceOf(
        TaskError,
      )
      expect(log.names()).toEqual(['explode'])
    })
  })

  // On a pool, the copy of an AggregateError came back without its `errors`: they are
  // not an enumerable property, so they were left behind in the worker.
  test('keeps the errors of an AggregateError (as Promise.any rejects with) in its cause', async () => {
    const error = await rejection(anyOfFailing(['first', 'second']).compute(options))
    expect(error).toBeInstanceOf(TaskError)
    const cause = (error as TaskError).cause as AggregateError
    expect(cause.name).toBe('AggregateError')
    expect(cause.errors.map((e: Error) => [e.name, e.message])).toEqual([
      ['RangeError', 'first'],
      ['RangeError', 'second'],
    ])
  })

  test('failFast: false runs every task it can and lists every failure', async () => {
    const stepOf =
      (taskName: string, fails = false) =>
      (...inputs: unknown[]) =>
        stepOrFail.with({ name: taskName, key: taskName })(taskName, fails, ...inputs)
    const first = stepOf('first-bad', true)()
    const second = stepOf('second-bad', true)()
    const target = gather(
      stepOf('ok-1')(),
      stepOf('after-bad')(first),
      stepOf('ok-2')(),
      second,
      stepOf('ok-3')(),
    )
    const error = await rejection(target.compute({ ...options, failFast: false }))
    expect(error).toBeInstanceOf(AggregateTaskError)
    expect(error).toMatchObject({ code: 'ERR_TASKS_FAILED' })
    const { errors } = error as AggregateTaskError
    // In the order they failed, which only the inline executor fixes: compare by key.
    const byKey = [...errors].sort((a, b) => a.key.localeCompare(b.key))
    expect(byKey.map((e) => [e.key, e.functionName, (e.cause as Error).message])).toEqual([
      ['first-bad', 'first-bad', 'first-bad'],
      ['second-bad', 'second-bad', 'second-bad'],
    ])
    expect(errors.every((e) => e instanceof TaskError)).toBe(true)
    expect(log.names().sort()).toEqual(['first-bad', 'ok-1', 'ok-2', 'ok-3', 'second-bad'])
  })

  test('failFast: false with one failure still rejects with AggregateTaskError', async () => {
    const error = await rejection(
      gather(throwsIt(new Error('bad')), constant(1)).compute({ ...options, failFast: false }),
    )
    expect(error).toBeInstanceOf(AggregateTaskError)
    expect((error as AggregateTaskError).errors).toHaveLength(1)
  })
})

// The order in which tasks launch and settle, seen from the test's own code: these tasks
// share state with the test (a gate it opens), so they run on the in-process executors.
describe('fail-fast (the default)', () => {
  test('launches nothing after the first failure', async () => {
    const ran: string[] = []
    const step = (name: string, fails = false) =>
      delayed(
        () => {
          ran.push(name)
          if (fails) throw new Error(name)
          return name
        },
        { name },
      )
    // The inline executor runs these independent tasks one at a time, in this order.
    const target = gather(step('a')(), step('b', true)(), step('c')(), step('d')())
    await expect(target.compute({ executor: 'inline' })).rejects.toBeInstanceOf(TaskError)
    expect(ran).toEqual(['a', 'b'])
  })

  test('waits for tasks in flight before rejecting, and starts none of their dependents', async () => {
    const events: string[] = []
    const gate = deferred()
    const badRan = deferred()
    const slow = delayed(async function slow() {
      await gate.promise
      events.push('slow finished')
      return 1
    })
    const bad = delayed(async function bad() {
      await Promise.resolve()
      events.push('bad failed')
      badRan.resolve()
      throw new Error('bad')
    })
    const afterSlow = delayed((n: number) => events.push(`after slow ${n}`))
    const run = gather(afterSlow(slow()), bad()).compute({ executor: 'async' })
    const settled = run.then(
      () => events.push('resolved'),
      (error: unknown) =>
        events.push(error instanceof TaskError ? `rejected ${error.functionName}` : 'rejected'),
    )
    await badRan.promise
    await nextTurn()
    events.push('gate opened')
    gate.resolve()
    await settled
    expect(events).toEqual(['bad failed', 'gate opened', 'slow finished', 'rejected bad'])
  })
})
