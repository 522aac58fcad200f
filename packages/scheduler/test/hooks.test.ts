import { literal } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { AggregateTaskError, TaskError, compute } from '@taskgraph/scheduler'
import type { ComputeHooks, RunOptions } from '@taskgraph/scheduler'
import { EXECUTORS, shared } from './executors.js'
import { add, inc, later, load } from './fixtures/counted-tasks.mjs'
import { explodeOn as explode } from './fixtures/failing-tasks.mjs'
import { HERE, expectCallsInWorkers, recordCalls, rejection } from './helpers.js'
import { isPool } from './pools.js'

/** A failure as onTaskEnd reports it: the run's TaskError, holding what the task threw. */
function describeFailure(error: unknown): string {
  const failure = error as TaskError
  return `${failure.name} ${failure.code}, cause ${(failure.cause as Error).message}`
}

/** Hooks that log each call as a line, leaving out times (which vary from run to run). */
function recorder() {
  const events: string[] = []
  const hooks: ComputeHooks = {
    onStart: ({ tasks, executor }) => events.push(`start: ${tasks} tasks on ${executor}`),
    onTaskStart: ({ key, name }) => events.push(`task start: ${key} (${name})`),
    onTaskEnd: ({ key }, { error }) =>
      events.push(
        `task end: ${key}${error === undefined ? '' : ` failed: ${describeFailure(error)}`}`,
      ),
    onFinish: ({ done, failed, skipped }) =>
      events.push(`finish: ${done} done, ${failed} failed, ${skipped} skipped`),
  }
  return { events, hooks }
}

const log = recordCalls()

describe('hooks', () => {
  test('see the start, each task start and end, and the finish, in order', async () => {
    const { events, hooks } = recorder()
    const x = load.with({ key: 'x' })(literal(1, { key: 'one' }))
    const total = add.with({ key: 'total' })(inc.with({ key: 'y' })(x), inc.with({ key: 'z' })(x))
    expect(await total.compute({ executor: 'inline', hooks })).toBe(4)
    expect(events).toMatchInlineSnapshot(`
      [
        "start: 4 tasks on inline",
        "task start: x (load)",
        "task end: x",
        "task start: y (inc)",
        "task end: y",
        "task start: z (inc)",
        "task end: z",
        "task start: total (add)",
        "task end: total",
        "finish: 4 done, 0 failed, 0 skipped",
      ]
    `)
  })

  test('see a failure, and count failed and skipped tasks', async () => {
    const { events, hooks } = recorder()
    const x = load.with({ key: 'x' })(1)
    const total = add.with({ key: 'total' })(
      explode.with({ key: 'bad' })(x),
      inc.with({ key: 'z' })(x),
    )
    const run = total.compute({ executor: 'inline', hooks, failFast: false })
    await expect(run).rejects.toBeInstanceOf(AggregateTaskError)
    expect(events).toMatchInlineSnapshot(`
      [
        "start: 4 tasks on inline",
        "task start: x (load)",
        "task end: x",
        "task start: bad (explode)",
        "task end: bad failed: TaskError ERR_TASK_FAILED, cause explode",
        "task start: z (inc)",
        "task end: z",
        "finish: 2 done, 1 failed, 1 skipped",
      ]
    `)
  })

  describe.each(EXECUTORS)('on the %s executor', (name) => {
    expectCallsInWorkers(log, name)

    test('give durations and elapsed times as numbers', async () => {
      const outcomes: number[] = []
      let elapsed: number | undefined
      const hooks: ComputeHooks = {
        onTaskEnd: (_task, outcome) => outcomes.push(outcome.durationMs),
        onFinish: (summary) => (elapsed = summary.elapsedMs),
      }
      await compute(inc(1), inc(2), { executor: shared(name), hooks })
      expect(outcomes).toHaveLength(2)
      for (const ms of [...outcomes, elapsed]) expect(ms).toBeGreaterThanOrEqual(0)
      // Hooks run on the main thread, the tasks where the executor runs them.
      const places = log.calls().map((call) => call.place)
      expect(places).toHaveLength(2)
      for (const place of places) {
        if (isPool(name)) expect(place).not.toBe(HERE)
        else expect(place).toBe(HERE)
      }
    })
  })
})

describe.each(EXECUTORS)('a hook that throws, on the %s executor', (name) => {
  const executor = shared(name)
  const hookNames = ['onStart', 'onTaskStart', 'onTaskEnd', 'onFinish'] as const
  expectCallsInWorkers(log, name)

  test.each(hookNames)('%s fails the run with its error', async (hookName) => {
    const failure = new Error(`${hookName} failed`)
    const hooks: ComputeHooks = {
      [hookName]: () => {
        throw failure
      },
    }
    const options: RunOptions = { executor, hooks }
    expect(await rejection(compute(add(inc(1), later(2)), options))).toBe(failure)
  })

  test('onTaskEnd throwing for a failed task fails the run with the hook error', async () => {
    const failure = new Error('hook failed')
    const hooks: ComputeHooks = {
      onTaskEnd: () => {
        throw failure
      },
    }
    const error = await rejection(explode(1).compute({ executor, hooks }))
    expect(error).toBe(failure)
    expect(error).not.toBeInstanceOf(TaskError)
  })
})
