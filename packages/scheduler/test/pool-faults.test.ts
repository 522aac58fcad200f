import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { delayed, gather, type Delayed } from '@taskgraph/core'
import {
  AggregateTaskError,
  CancelledError,
  SerializationError,
  TaskError,
  TimeoutError,
  WorkerLostError,
  WorkerModuleError,
  WorkerStartError,
  closeDefaultExecutors,
  compute,
} from '@taskgraph/scheduler'
import { afterAll, describe, expect, test } from 'vitest'
import {
  busyFor,
  exits,
  fillsHeap,
  inc,
  garblesItsChannel,
  writesToItsChannel,
  killsItsProcess,
  postsOnParentPort,
  logged,
  same,
  sleepThen,
  spins,
  throws,
  throwsAfterReturning,
  throwsInTimer,
  typeTag,
} from './fixtures/pool-tasks.mjs'
import { armsOutsideFailure } from './fixtures/outside-failure-tasks.mjs'
import { deferred, rejection } from './helpers.js'
import { expectNothingLeft, running } from './faults/leftovers.js'
import { childProcesses, makePool, POOLS } from './pools.js'

const outsideFailureTasks = fileURLToPath(
  new URL('fixtures/outside-failure-tasks.mjs', import.meta.url),
)
const logs = mkdtempSync(join(tmpdir(), 'taskgraph-faults-'))
afterAll(() => rmSync(logs, { recursive: true, force: true }))
let nextLog = 0
const newLog = (): string => join(logs, `log-${nextLog++}`)
const lines = (log: string): string[] => readFileSync(log, 'utf8').split('\n').slice(0, -1)

describe.each(POOLS)('faults on the %s executor', (name) => {
  const pool = makePool(name)
  afterAll(() => pool.close())
  const options = { executor: pool }

  test('a task that throws is a TaskError whose cause copies the original error', async () => {
    const task = throws('out of range')
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', key: task.key, functionName: 'throws' })
    const cause = (error as TaskError).cause as Error & { code?: string }
    expect(cause).toBeInstanceOf(Error)
    expect([cause.name, cause.message, cause.code]).toEqual([
      'RangeError',
      'out of range',
      'E_TASK',
    ])
    expect(cause.stack).toMatch(/pool-tasks\.mjs/)
  })

  test('a worker that exits is replaced; the task is retried, then a WorkerLostError', async () => {
    const attempts = newLog()
    const others = newLog()
    const bad = exits.with({ retries: 2, retryDelay: 5 })(attempts, 3)
    const independent = ['a', 'b', 'c'].map((tag) => logged(others, tag))
    const error = await rejection(
      compute(gather([bad, ...independent]), { ...options, failFast: false }),
    )
    expect(error).toBeInstanceOf(AggregateTaskError)
    const [lost] = (error as AggregateTaskError).errors
    expect(lost).toBeInstanceOf(WorkerLostError)
    expect(lost).toMatchObject({ code: 'ERR_WORKER_LOST', key: bad.key, attempts: 3 })
    expect(lines(attempts)).toHaveLength(3)
    // The other tasks finished, once each, and the pool still works.
    expect(lines(others).sort()).toEqual(['a', 'b', 'c'])
    expect(await compute(inc(1), options)).toEqual([2])
  })

  // A thread's end could be heard before the message that its batch had begun, which was
  // dropped: the batch read as one not begun, and went again uncharged, one attempt more
  // than allowed (in about one run in ten, where other batches waited on the worker).
  // Twenty runs, each with exactly as many attempts as allowed.
  test('a task ending its worker at once is charged every attempt, run after run', async () => {
    for (let run = 0; run < 20; run++) {
      const attempts = newLog()
      const others = newLog()
      const bad = exits.with({ retries: 2 })(attempts, 3)
      const independent = ['a', 'b', 'c', 'd'].map((tag) => logged(others, `${run}${tag}`))
      const error = await rejection(
        compute(gather([bad, ...independent]), { ...options, failFast: false }),
      )
      const [lost] = (error as AggregateTaskError).errors
      expect(lost).toBeInstanceOf(WorkerLostError)
      expect([run, (lost as WorkerLostError).attempts, lines(attempts).length]).toEqual([run, 3, 3])
    }
  })

  test('an uncaught error in a timer loses the worker: WorkerLostError', async () => {
    const task = throwsInTimer()
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(WorkerLostError)
    expect(error).toMatchObject({ key: task.key, attempts: 1 })
    expect(await compute(inc(2), options)).toEqual([3])
  })

  // The worker's end was charged to whatever ran on it then: the next run's task, which
  // failed with a WorkerLostError, not tried again.
  test('a task whose timer throws after it returned: the task running then goes again, and the run of the one that threw fails naming it', async () => {
    const one = makePool(name, { workers: 1 })
    const warnings: string[] = []
    const heard = (warning: Error & { code?: string }): void => {
      if (warning.code === 'TASKGRAPH_UNCAUGHT_EXCEPTION') warnings.push(warning.message)
    }
    process.on('warning', heard)
    try {
      const thrower = throwsAfterReturning(1, 100)
      expect(await compute(thrower, { executor: one })).toEqual([1])
      // Begun before the timer fires, on the only worker: its end takes this task with it.
      expect(await compute(sleepThen(400, 'spared'), { executor: one })).toEqual(['spared'])
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain(`task "${thrower.key}" (function throwsAfterReturning)`)
      // In one run, the run fails naming the task that threw.
      const again = throwsAfterReturning(2, 100)
      const error = await rejection(
        compute(gather([again, sleepThen(400, 'spared')]), { executor: one }),
      )
      expect(error).toMatchObject({ code: 'ERR_UNCAUGHT_EXCEPTION', key: again.key })
    } finally {
      process.off('warning', heard)
      await one.close()
    }
  })

  test('a hung task is stopped by its timeout: TimeoutError, and the pool carries on', async () => {
    const task = spins.with({ timeout: 300 })()
    const error = await rejection(compute(task, options))
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error).toMatchObject({ code: 'ERR_TASK_TIMEOUT', key: task.key, timeoutMs: 300 })
    expect(await compute(inc(3), options)).toEqual([4])
  })

  test('a timeout counts from when the task starts, not while it waits for a worker', async () => {
    const one = makePool(name, { workers: 1 })
    try {
      // Each task takes 400 ms of its 700; the second waits 400 ms for the only worker.
      const tasks = [1, 2].map(() => busyFor.with({ timeout: 700 })(400))
      expect(await compute(gather(tasks), { executor: one })).toEqual([[400, 400]])
    } finally {
      await one.close()
    }
  })

  test('a run-wide timeout applies to tasks without their own', async () => {
    const error = await rejection(compute(spins(), { ...options, timeout: 200 }))
    expect(error).toMatchObject({ code: 'ERR_TASK_TIMEOUT', timeoutMs: 200 })
  })

  test('cancelling a run with a busy worker rejects at once with CancelledError', async () => {
    const controller = new AbortController()
    const run = compute(spins(), { executor: name, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('enough')), 200)
    expect(await rejection(run)).toBeInstanceOf(CancelledError)
  })
})

describe('a killed worker process', () => {
  test('is a WorkerLostError, and the pool carries on', async () => {
    const pool = makePool('processes')
    try {
      const task = killsItsProcess()
      const error = await rejection(compute(task, { executor: pool }))
      expect(error).toBeInstanceOf(WorkerLostError)
      expect(await compute(inc(4), { executor: pool })).toEqual([5])
    } finally {
      await pool.close()
    }
  })

  // V8 aborts a process whose heap is full: the error read "killed by SIGABRT", and told
  // to allow retries, which fail alike.
  test('that runs out of heap is a WorkerLostError saying so, and the pool carries on', async () => {
    const options = process.env.NODE_OPTIONS
    // The pool's worker processes take this process's environment as they start.
    process.env.NODE_OPTIONS = `${options ?? ''} --max-old-space-size=48`
    const pool = makePool('processes', { workers: 1 })
    try {
      const error = await rejection(compute(fillsHeap(), { executor: pool }))
      expect(error).toBeInstanceOf(WorkerLostError)
      expect((error as Error).message).toMatch(
        /lost its worker \(WorkerLostFault: the worker process was aborted \(SIGABRT\)\)\. Other tasks carried on\. Node aborts a process so when its heap is full .*NODE_OPTIONS=--max-old-space-size=<MB>\.$/,
      )
      expect(await compute(inc(4), { executor: pool })).toEqual([5])
    } finally {
      if (options === undefined) delete process.env.NODE_OPTIONS
      else process.env.NODE_OPTIONS = options
      await pool.close()
    }
  })

  // The reader threw from the socket's 'data' event, and the program crashed.
  test('that sends what cannot be read is a WorkerLostError, and the pool carries on', async () => {
    await expectLostAndPoolCarriesOn('processes', garblesItsChannel())
  })

  // Text where a frame begins was read as its length ('garb': 1.6 GB), and the run waited
  // for the rest for ever; a single byte shifted every frame after it.
  test.each(['garbage garbage\n', 'x'])(
    'whose task writes %j to its channel is a WorkerLostError, and the pool carries on',
    async (text) => {
      await expectLostAndPoolCarriesOn('processes', writesToItsChannel(text))
    },
  )
})

// A batch the worker died reading, before it said it began it, was sent again to a new
// worker, which died the same way, for ever: the run hung.
describe('a batch that ends every worker that reads it', () => {
  const endsOnReading = fileURLToPath(new URL('fixtures/ends-on-reading.mjs', import.meta.url))

  test('fails its task after 3 workers: WorkerLostError, and the pool carries on', async () => {
    const before = childProcesses()
    const pool = makePool('processes', { workers: 1, preload: [endsOnReading] })
    try {
      const task = same('READING_ENDS_IT')
      const error = await rejection(compute(task, { executor: pool }))
      expect(error).toBeInstanceOf(WorkerLostError)
      expect(error).toMatchObject({ key: task.key, functionName: 'same', attempts: 1 })
      expect(((error as WorkerLostError).cause as Error).message).toContain('3 times in all')
      expect(await compute(inc(1), { executor: pool })).toEqual([2])
    } finally {
      await pool.close()
    }
    expect(childProcesses().filter((pid) => !before.includes(pid))).toEqual([])
  })

  // Deeper than a worker process can read back (V8 reads objects with more stack than it
  // writes them): it failed only once 3 workers had died of it, as a WorkerLostError.
  test('nested deeper than a worker process reads: SerializationError, and a task begun beside it is spared', async () => {
    const before = childProcesses()
    const pool = makePool('processes', { workers: 1 })
    try {
      let deep: unknown = 0
      for (let i = 0; i < 2500; i++) deep = { deep }
      const task = typeTag(deep)
      const beside = sleepThen(200, 'spared')
      const error = await rejection(
        compute(gather([beside, task]), { executor: pool, failFast: false }),
      )
      expect(error).toBeInstanceOf(AggregateTaskError)
      const { errors } = error as AggregateTaskError
      expect(errors).toHaveLength(1)
      expect(errors[0]).toBeInstanceOf(SerializationError)
      expect(errors[0]).toMatchObject({ key: task.key, direction: 'argument' })
      expect(await compute(beside, { executor: pool })).toEqual(['spared'])
    } finally {
      await pool.close()
    }
    expect(childProcesses().filter((pid) => !before.includes(pid))).toEqual([])
  })

  // A worker thread reads what V8 can write: its preload module ends it instead.
  test('a worker thread that dies reading it: WorkerLostError', async () => {
    const before = running()
    const pool = makePool('threads', { workers: 1, preload: [endsOnReading] })
    try {
      const task = same('READING_ENDS_IT')
      const error = await rejection(compute(task, { executor: pool }))
      expect(error).toBeInstanceOf(WorkerLostError)
      expect(error).toMatchObject({ code: 'ERR_WORKER_LOST', key: task.key, functionName: 'same' })
      expect(await compute(inc(1), { executor: pool })).toEqual([2])
    } finally {
      await pool.close()
    }
    await expectNothingLeft(before)
  })
})

// Each worker imported it and started a pool, whose workers imported it in turn: pools
// without end, until the machine ran out of memory (13 GB in five minutes).
describe('a module that starts a pool as a worker imports it', () => {
  test.each(POOLS)('on %s: WorkerStartError saying why, and nothing left running', async (name) => {
    const before = childProcesses()
    const pool = makePool(name, {
      workers: 1,
      preload: [fileURLToPath(new URL('fixtures/starts-pool-on-import.mjs', import.meta.url))],
    })
    try {
      const error = await rejection(compute(inc(1), { executor: pool }))
      expect(error).toBeInstanceOf(WorkerStartError)
      expect((error as Error).message).toContain('without end')
    } finally {
      await pool.close()
    }
    expect(childProcesses().filter((pid) => !before.includes(pid))).toEqual([])
  })
})

// It was a WorkerLostError of whichever task ran there, advising retries, which each
// ended a worker the same way.
describe("a module's code that throws in a worker outside any task", () => {
  test.each(POOLS)('on %s: WorkerModuleError naming the module, nothing retried', async (name) => {
    const before = childProcesses()
    const module = fileURLToPath(new URL('fixtures/throws-outside-tasks.mjs', import.meta.url))
    const pool = makePool(name, { workers: 2, preload: [module] })
    try {
      const task = sleepThen.with({ retries: 3 })(5000, 1)
      const error = await rejection(compute([task, sleepThen(5000, 2)], { executor: pool }))
      expect(error).toBeInstanceOf(WorkerModuleError)
      expect(error).toMatchObject({ code: 'ERR_WORKER_MODULE', module })
      expect((error as Error).cause).toMatchObject({ message: 'thrown outside any task' })
    } finally {
      await pool.close()
    }
    expect(childProcesses().filter((pid) => !before.includes(pid))).toEqual([])
  })

  // A run whose task ran in another worker failed with ExecutorClosedError if the pool was
  // closed as soon as the first run failed (as `await using` does), though its worker had
  // been ended for the module before that; so did a run whose task waited in the queue.
  describe.each(POOLS)('on %s, the runs in flight on the pool', (name) => {
    test.each([
      ['closed as soon as the first run fails', true],
      ['left open', false],
    ])('%s: each fails with the WorkerModuleError', async (_, closes) => {
      const before = running()
      const pool = makePool(name, { workers: 2 })
      try {
        // Each task runs alone on its worker (it has a time limit): the run on one worker,
        // the one that fails on the other, and the last run waits in the pool's queue.
        const alone = { timeout: 60_000 }
        const started = deferred()
        const hooks = { onTaskStart: () => started.resolve() }
        const beside = rejection(
          compute(sleepThen.with(alone)(60_000, 1), { executor: pool, hooks }),
        )
        await started.promise
        const failing = rejection(compute(armsOutsideFailure.with(alone)(), { executor: pool }))
        const waiting = rejection(compute(inc(1), { executor: pool }))
        const first = await failing
        if (closes) await pool.close()
        for (const error of [first, await beside, await waiting]) {
          expect(error).toBeInstanceOf(WorkerModuleError)
          expect(error).toMatchObject({ code: 'ERR_WORKER_MODULE', module: outsideFailureTasks })
        }
        // A later run starts new workers.
        if (!closes) expect(await compute(inc(4), { executor: pool })).toEqual([5])
      } finally {
        await pool.close()
      }
      await expectNothingLeft(before)
    })
  })
})

/** `task` fails with a WorkerLostError naming it, and a new pool of `name` runs the next task. */
async function expectLostAndPoolCarriesOn(
  name: 'threads' | 'processes',
  task: Delayed<unknown>,
): Promise<void> {
  const pool = makePool(name)
  try {
    const error = await rejection(compute(task, { executor: pool }))
    expect(error).toBeInstanceOf(WorkerLostError)
    expect(error).toMatchObject({ key: task.key })
    expect(await compute(inc(4), { executor: pool })).toEqual([5])
  } finally {
    await pool.close()
  }
}

describe('a worker thread', () => {
  // The pool read the thread's parentPort: a `null` there crashed this process, a forged
  // end of a batch could settle one, and a message V8 could not read back was lost.
  test('whose task posts on its parentPort runs it to its result, with one warning, and the pool carries on', async () => {
    const warnings: string[] = []
    const heard = (warning: Error & { code?: string }): void => {
      if (warning.code === 'TASKGRAPH_PARENT_PORT') warnings.push(warning.message)
    }
    process.on('warning', heard)
    const pool = makePool('threads', { workers: 1 })
    try {
      expect(await compute(postsOnParentPort(), { executor: pool })).toEqual(['posted'])
      expect(await compute(postsOnParentPort(), { executor: pool })).toEqual(['posted'])
      expect(await compute(inc(4), { executor: pool })).toEqual([5])
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toEqual([
        "a task posted a message on its worker thread's parentPort, which taskgraph does not read (it talks to its threads on a channel of its own): a task hands on its result by returning it.",
      ])
    } finally {
      process.off('warning', heard)
      await pool.close()
    }
  })
})

describe('no worker outlives the default pools', () => {
  const busy = delayed((n: number) => n)
  test.each(['success', 'failure', 'cancellation'] as const)(
    'worker threads, after %s and closeDefaultExecutors',
    async (ending) => {
      const before = running()
      await runEnding(ending, 'threads')
      await closeDefaultExecutors()
      await expectNothingLeft(before)
    },
  )

  test.each(['success', 'failure', 'cancellation'] as const)(
    'child processes, after %s and closeDefaultExecutors',
    async (ending) => {
      await runEnding(ending, 'processes')
      await closeDefaultExecutors()
      expect(childProcesses()).toEqual([])
    },
  )

  /** A run that ends as asked, on the default pool of `executor`. */
  async function runEnding(
    ending: 'success' | 'failure' | 'cancellation',
    executor: 'threads' | 'processes',
  ) {
    if (ending === 'success') {
      expect(await compute(gather([inc(1), inc(2), busy(3)]), { executor, workers: 2 })).toEqual([
        [2, 3, 3],
      ])
    } else if (ending === 'failure') {
      await expect(
        compute(gather([inc(1), throws('no')]), { executor, workers: 2 }),
      ).rejects.toBeInstanceOf(TaskError)
    } else {
      const controller = new AbortController()
      const run = compute(spins(), { executor, workers: 2, signal: controller.signal })
      setTimeout(() => controller.abort(), 200)
      await expect(run).rejects.toBeInstanceOf(CancelledError)
    }
  }
})
