import { getEventListeners } from 'node:events'
import { readFile, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { TaskgraphError, delayed, gather } from '@taskgraph/core'
import { afterEach, describe, expect, test } from 'vitest'
import { CancelledError, compute, type ComputeHooks } from '@taskgraph/scheduler'
import { EXECUTORS, IN_PROCESS, shared } from './executors.js'
import { constant, hang, step, waitForFile } from './fixtures/counted-tasks.mjs'
import { deferred, expectCallsInWorkers, nextTurn, recordCalls, rejection } from './helpers.js'

const log = recordCalls()

/** Hooks that abort `controller` as the task named `name` starts. */
function abortAtStart(controller: AbortController, name: string): ComputeHooks {
  return {
    onTaskStart: (task) => {
      if (task.name === name) controller.abort()
    },
  }
}

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const executor = shared(name)
  expectCallsInWorkers(log, name)

  test('aborting the signal rejects with CancelledError and starts no further task', async () => {
    const controller = new AbortController()
    // The signal is aborted from a hook, as the first task starts: a task in a worker
    // cannot reach it. The first task has a timeout, which keeps it out of a fused chain
    // (a chain runs in its worker as one call, which a cancellation cannot step into).
    const first = step.with({ name: 'first', timeout: 60_000 })('first')
    const next = (input: unknown) => step.with({ name: 'next' })('next', input)
    const error = await rejection(
      compute(next(next(first)), {
        executor,
        signal: controller.signal,
        hooks: abortAtStart(controller, 'first'),
      }),
    )
    expect(error).toBeInstanceOf(CancelledError)
    expect(error).toBeInstanceOf(TaskgraphError)
    expect(error).toMatchObject({ code: 'ERR_CANCELLED' })
    // A worker may still be running the first task: wait for its record. (Only this run's
    // tasks count: a task a cancelled run of another test left queued in the shared pool
    // may start in a worker now, and record itself.)
    const calls = await log.until((seen) => seen.some((call) => call.name === 'first'))
    const ours = calls.filter((call) => call.name === 'first' || call.name === 'next')
    expect(ours.map((call) => call.name)).toEqual(['first'])
  })

  test('an already aborted signal rejects at once and runs nothing', async () => {
    const signal = AbortSignal.abort()
    const events: string[] = []
    const hooks = {
      onStart: () => events.push('start'),
      onFinish: () => events.push('finish'),
    }
    await expect(hang().compute({ executor, signal, hooks })).rejects.toBeInstanceOf(CancelledError)
    expect(log.count('hang')).toBe(0)
    // The run never started, so no hook reports on it.
    expect(events).toEqual([])
  })

  test('the abort reason is the cause', async () => {
    const reason = new Error('user pressed stop')
    const error = await rejection(
      constant(1).compute({ executor, signal: AbortSignal.abort(reason) }),
    )
    expect((error as CancelledError).cause).toBe(reason)
  })

  test('a task in flight that never ends does not hold up the cancellation', async () => {
    const controller = new AbortController()
    const started = deferred()
    const hooks = { onTaskStart: () => started.resolve() }
    const gate = join(log.directory(), 'gate')
    const run = waitForFile(gate).compute({ executor, signal: controller.signal, hooks })
    await started.promise
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    // Lets the task end now, so that nothing stays running after the test.
    writeFileSync(gate, '')
  })

  test('runs sharing one signal listen to it once, and it cancels each of them', async () => {
    const warnings: Error[] = []
    const heard = (warning: Error) => warnings.push(warning)
    const open = join(log.directory(), 'open-gate')
    const shut = join(log.directory(), 'shut-gate')
    process.on('warning', heard)
    try {
      // More runs at once than Node's 10 listeners before it warns of a leak.
      const controller = new AbortController()
      const { signal } = controller
      const done = Array.from({ length: 12 }, () => waitForFile(open).compute({ executor, signal }))
      expect(getEventListeners(signal, 'abort')).toHaveLength(1)
      writeFileSync(open, '')
      expect(await Promise.all(done)).toEqual(Array.from({ length: 12 }, () => open))
      // The last run to end stops listening: the signal is left as it was.
      expect(getEventListeners(signal, 'abort')).toHaveLength(0)

      const waiting = Array.from({ length: 12 }, () =>
        rejection(waitForFile(shut).compute({ executor, signal })),
      )
      expect(getEventListeners(signal, 'abort')).toHaveLength(1)
      controller.abort()
      for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(CancelledError)
      expect(getEventListeners(signal, 'abort')).toHaveLength(0)
      await nextTurn()
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual(
        [],
      )
    } finally {
      process.off('warning', heard)
      // Lets the tasks end now, so that nothing stays running after the test.
      for (const gate of [open, shut]) writeFileSync(gate, '')
    }
  })

  test('aborting after the run finished changes nothing', async () => {
    const controller = new AbortController()
    const result = await constant(7).compute({ executor, signal: controller.signal })
    controller.abort()
    expect(result).toBe(7)
  })
})

// A task that aborts the signal itself, synchronously, as it runs: only a task on the
// main thread can reach the signal, so this runs on the in-process executors only.
describe.each(IN_PROCESS)('on the %s executor', (executor) => {
  test('a synchronous task aborting stops the run before the next task', async () => {
    const controller = new AbortController()
    const ran: string[] = []
    const taskOf = (taskName: string, abort = false) =>
      delayed(() => {
        ran.push(taskName)
        if (abort) controller.abort()
        return taskName
      })
    const target = gather(taskOf('a')(), taskOf('b', true)(), taskOf('c')())
    const run = target.compute({ executor, signal: controller.signal })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(ran).toEqual(['a', 'b'])
  })

  // Started from an I/O callback (the event loop's poll phase), as a run started once a
  // workflow or its data is read: an immediate would run in that same turn, before timers.
  test('a timer that comes due during a long synchronous task runs before the next task', async () => {
    await new Promise((resolve) => readFile(import.meta.filename, resolve))
    const controller = new AbortController()
    const ran: string[] = []
    const busy = delayed((taskName: string) => {
      ran.push(taskName)
      if (taskName === 'a') setTimeout(() => controller.abort(), 0)
      // Longer than the run's slice of the event loop (about 16 ms): the run yields after it.
      const end = performance.now() + 50
      while (performance.now() < end);
      return taskName
    })
    const run = compute(gather(busy('a'), busy('b'), busy('c')), {
      executor,
      signal: controller.signal,
    })
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    expect(ran).toEqual(['a'])
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
    const hooks = {
      onTaskStart: () => started.resolve(),
      onFinish() {
        throw new Error('hook failed')
      },
    }
    const run = hang().compute({ executor: 'async', signal: controller.signal, hooks })
    await started.promise
    controller.abort()
    await expect(run).rejects.toBeInstanceOf(CancelledError)
    await nextTurn()
    expect(uncaught).toEqual([])
  })
})
