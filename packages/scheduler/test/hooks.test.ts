import { delayed, literal } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import { AggregateTaskError, TaskError, compute } from '@taskgraph/scheduler'
import type { ComputeHooks, RunOptions } from '@taskgraph/scheduler'
import { EXECUTORS } from './executors.js'
import { rejection } from './helpers.js'

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

const load = delayed(function load(n: number) {
  return n
})
const inc = delayed(function inc(x: number) {
  return x + 1
})
const add = delayed(function add(a: number, b: number) {
  return a + b
})
const explode = delayed(function explode(_: number): number {
  throw new Error('explode')
})

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

  test.each(EXECUTORS)(
    'give durations and elapsed times as numbers on the %s executor',
    async (executor) => {
      const outcomes: number[] = []
      let elapsed: number | undefined
      const hooks: ComputeHooks = {
        onTaskEnd: (_task, outcome) => outcomes.push(outcome.durationMs),
        onFinish: (summary) => (elapsed = summary.elapsedMs),
      }
      await compute(inc(1), inc(2), { executor, hooks })
      expect(outcomes).toHaveLength(2)
      for (const ms of [...outcomes, elapsed]) expect(ms).toBeGreaterThanOrEqual(0)
    },
  )
})

describe.each(EXECUTORS)('a hook that throws, on the %s executor', (executor) => {
  const hookNames = ['onStart', 'onTaskStart', 'onTaskEnd', 'onFinish'] as const

  test.each(hookNames)('%s fails the run with its error', async (name) => {
    const failure = new Error(`${name} failed`)
    const hooks: ComputeHooks = {
      [name]: () => {
        throw failure
      },
    }
    const slow = delayed(async (n: number) => {
      await Promise.resolve()
      return n
    })
    const options: RunOptions = { executor, hooks }
    expect(await rejection(compute(add(inc(1), slow(2)), options))).toBe(failure)
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
