import { InvalidArgumentError, InvalidOptionError, delayed } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import {
  AsyncExecutor,
  DEFAULT_ASYNC_CONCURRENCY,
  InlineExecutor,
  ProcessExecutor,
  ThreadExecutor,
  compute,
  persist,
} from '@taskgraph/scheduler'
import type { Executor, RunOptions, TaskCall } from '@taskgraph/scheduler'
import { nextTurn } from './helpers.js'

const one = delayed(function one() {
  return 1
})

describe('invalid options', () => {
  test.each<[string, unknown]>([
    ['an unknown option', { exector: 'inline' }],
    ['an unknown executor name', { executor: 'threads-please' }],
    ['an executor object without run()', { executor: { name: 'x', concurrency: 1 } }],
    // A run hands such an executor nothing, and never ended.
    ...[undefined, 0, -1, Number.NaN, 1.5, '2'].map((concurrency): [string, unknown] => [
      `an executor object whose concurrency is ${String(concurrency)}`,
      { executor: { name: 'x', concurrency, run: () => 1 } },
    ]),
    ['a concurrency of 0', { concurrency: 0 }],
    ['a negative concurrency', { concurrency: -2 }],
    ['a fractional concurrency', { concurrency: 1.5 }],
    ['a concurrency that is not a number', { concurrency: '4' }],
    ['a concurrency above 1 on the inline executor', { executor: 'inline', concurrency: 2 }],
    ['a concurrency with an Executor instance', { executor: new InlineExecutor(), concurrency: 1 }],
    // Taken as left out, as a null signal or failFast is not: the work ran on the default
    // executor (or TASKGRAPH_EXECUTOR's), or on a pool of the default size.
    ['a null executor', { executor: null }],
    ['a null number of workers', { executor: 'threads', workers: null }],
    ['a null startTimeout', { executor: 'processes', startTimeout: null }],
    ['failFast that is not a boolean', { failFast: 'no' }],
    ['a signal that is not an AbortSignal', { signal: { aborted: false } }],
    ['hooks that are not an object', { hooks: () => {} }],
    // Failed the run with a TypeError at the hook's first call.
    ['a hook that is not a function', { hooks: { onStart: 'log' } }],
    // Never called: a misspelt hook was taken in silence.
    ['a member named as a hook that is no hook', { hooks: { onTaskEnded: () => {} } }],
    // Nothing of it was called: a Profiler given itself rather than its `hooks`.
    ['hooks held in a "hooks" member', { hooks: { hooks: { onTaskRecord: () => {} } } }],
    ['a cache without open()', { cache: '.taskgraph-cache' }],
    [
      'a cache with an executor whose results stay in its own store, without keep() and fetch()',
      {
        cache: { open: () => Promise.reject(new Error('not opened')) },
        executor: { ...new InlineExecutor(), run: () => 1, name: 'far', resultsByReference: true },
      },
    ],
  ])('%s is an InvalidOptionError', async (_, options) => {
    await expect(compute(one(), options as RunOptions)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(one().compute(options as RunOptions)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(persist(one(), options as RunOptions)).rejects.toBeInstanceOf(InvalidOptionError)
  })

  test('an unknown executor is named as given', async () => {
    await expect(one().compute({ executor: 'gpu' as 'inline' })).rejects.toThrow(
      /^Delayed#compute: unknown executor "gpu"\. Use 'inline'/,
    )
    await expect(one().compute({ executor: 7 as unknown as 'inline' })).rejects.toThrow(
      /^Delayed#compute: option "executor" must be an executor's name or an Executor instance, not a number \(7\)/,
    )
    await expect(one().compute({ executor: null as unknown as 'inline' })).rejects.toThrow(
      /^Delayed#compute: option "executor" must be an executor's name or an Executor instance, not null\./,
    )
  })

  test('options that are not an object are an InvalidOptionError', async () => {
    await expect(one().compute('inline' as RunOptions)).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(one().compute(null as unknown as RunOptions)).rejects.toBeInstanceOf(
      InvalidOptionError,
    )
  })

  test('nothing runs when the options are invalid', async () => {
    let calls = 0
    const counted = delayed(() => ++calls)
    await expect(
      compute(counted(), { executor: 'nope' } as unknown as RunOptions),
    ).rejects.toBeInstanceOf(InvalidOptionError)
    expect(calls).toBe(0)
  })
})

describe('valid options', () => {
  test('concurrency 1 on the inline executor and Infinity on the async executor are accepted', async () => {
    expect(await compute(one(), { executor: 'inline', concurrency: 1 })).toEqual([1])
    expect(await compute(one(), { executor: 'async', concurrency: Infinity })).toEqual([1])
  })

  test('the async executor is the default', async () => {
    let executorName: string | undefined
    await one().compute({ hooks: { onStart: ({ executor }) => (executorName = executor) } })
    expect(executorName).toBe('async')
  })

  test('a trailing plain object holding Delayed is a target, not options', async () => {
    expect(await compute(one(), { value: one() })).toEqual([1, { value: 1 }])
  })

  test('a plain value computes to itself; a promise is refused, not returned unawaited', async () => {
    expect(await compute(one(), 'text', [2])).toEqual([1, 'text', [2]])
    const rejected = Promise.reject(new Error('never awaited'))
    const error = await compute(one(), rejected).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as Error).message).toMatch(
      /^compute: target 1 is a promise \(an instance of Promise, which has a then method\), not a lazy value: .* Await it first, or make its work a task: delayed\(async \(\) => \.\.\.\)\(\)\.$/,
    )
    await expect(rejected).rejects.toThrow('never awaited')
  })
})

describe('concurrency', () => {
  /** `count` independent async tasks that record how many of them are in flight. */
  function fanOut(count: number) {
    let inFlight = 0
    let most = 0
    const task = delayed(async (i: number) => {
      most = Math.max(most, ++inFlight)
      await nextTurn()
      inFlight--
      return i
    })
    const targets = Array.from({ length: count }, (_, i) => task(i))
    return { targets, most: () => most }
  }

  test.each([1, 3, 7])(
    'the async executor keeps at most %i tasks in flight',
    async (concurrency) => {
      const { targets, most } = fanOut(20)
      const results = await compute(...targets, { executor: 'async', concurrency })
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i))
      expect(most()).toBe(concurrency)
    },
  )

  test(`the async executor runs ${DEFAULT_ASYNC_CONCURRENCY} tasks at once by default`, async () => {
    const { targets, most } = fanOut(DEFAULT_ASYNC_CONCURRENCY + 50)
    await compute(...targets, { executor: 'async' })
    expect(most()).toBe(DEFAULT_ASYNC_CONCURRENCY)
  })

  test('the inline executor runs one task at a time', async () => {
    const { targets, most } = fanOut(5)
    await compute(...targets, { executor: 'inline' })
    expect(most()).toBe(1)
  })

  test('new AsyncExecutor checks its concurrency', () => {
    expect(new AsyncExecutor({ concurrency: 4 }).concurrency).toBe(4)
    expect(() => new AsyncExecutor({ concurrency: 0 })).toThrow(InvalidOptionError)
    // Taken as left out: an executor of the default concurrency, 100.
    expect(() => new AsyncExecutor({ concurrency: null as never })).toThrow(
      'new AsyncExecutor: option "concurrency" must be a whole number of tasks, 1 or more (or Infinity), got null.',
    )
  })

  // A misspelt option was dropped without a word (a pool of the default size); a preload
  // that was not an array, or options that were null, threw a bare TypeError.
  test('the executors refuse options they do not know, and a preload that is not a list of modules', async () => {
    const wrong: [string, () => unknown][] = [
      [
        'new AsyncExecutor: unknown option "concurency"',
        () => new AsyncExecutor({ concurency: 3 } as never),
      ],
      ['new AsyncExecutor: options must be an object', () => new AsyncExecutor(null as never)],
      [
        'new ThreadExecutor: unknown option "worker"',
        () => new ThreadExecutor({ worker: 1 } as never),
      ],
      [
        'new ProcessExecutor: unknown option "wokers"',
        () => new ProcessExecutor({ wokers: 1 } as never),
      ],
      ['new ThreadExecutor: options must be an object', () => new ThreadExecutor(null as never)],
      [
        'new ThreadExecutor: option "preload" must be an array',
        () => new ThreadExecutor({ preload: '/x.mjs' } as never),
      ],
      [
        'new ProcessExecutor: option "preload" must be an array',
        () => new ProcessExecutor({ preload: [42] } as never),
      ],
      // Resolved against the working directory, it loaded from one and failed from another.
      [
        'new ThreadExecutor: option "preload" must be an array of module URLs or absolute paths, got "./pre.mjs" in the array, a relative path or a package name',
        () => new ThreadExecutor({ preload: ['./pre.mjs'] }),
      ],
    ]
    for (const [message, make] of wrong) {
      expect(make).toThrow(InvalidOptionError)
      expect(make).toThrow(message)
    }
    for (const preload of ['/abs/pre.mjs', 'file:///abs/pre.mjs', 'data:text/javascript,'])
      expect(new ThreadExecutor({ workers: 1, preload: [preload] }).workers).toBe(1)
    const pool = new ThreadExecutor({ workers: 1, preload: [] })
    expect(pool.workers).toBe(1)
    await pool.close()
  })

  // persist(5) threw "target.persist is not a function".
  test('persist refuses what is not a lazy value', async () => {
    for (const value of [5, undefined, [one()]]) {
      await expect(persist(value as never)).rejects.toThrow(InvalidArgumentError)
      await expect(persist(value as never)).rejects.toThrow('persist: expects one lazy value')
    }
  })
})

describe('an Executor instance', () => {
  /** An executor that logs the calls it is handed, and whether it was closed. */
  class LoggingExecutor implements Executor {
    readonly name = 'logging'
    readonly concurrency = 2
    readonly calls: [string, string, unknown[]][] = []
    closed = false

    run(call: TaskCall): unknown {
      this.calls.push([call.key, call.name, call.args])
      return call.fn(...call.args)
    }

    close(): void {
      this.closed = true
    }
  }

  test('runs every task, with resolved arguments, and is left open for its owner', async () => {
    const executor = new LoggingExecutor()
    const add = delayed(function add(a: number, b: number) {
      return a + b
    })
    const total = add.with({ key: 'total' })(one.with({ key: 'one' })(), 2)
    expect(await total.compute({ executor })).toBe(3)
    expect(executor.calls).toEqual([
      ['one', 'one', []],
      ['total', 'add', [1, 2]],
    ])
    expect(executor.closed).toBe(false)
  })
})

describe('an Executor instance that reports starts', () => {
  /**
   * Starts each call `delayMs` after it is handed over, and says so `agoMs` after it
   * began, as an executor that queues calls, or hears of starts late, does.
   */
  class LateExecutor implements Executor {
    readonly name = 'late'
    readonly concurrency = 1
    readonly reportsStarts = true

    constructor(
      private readonly delayMs: number,
      private readonly agoMs = 0,
    ) {}

    run(call: TaskCall): Promise<unknown> {
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          const result = Promise.resolve().then((): unknown => call.fn(...call.args))
          setTimeout(() => call.started(this.agoMs), this.agoMs)
          result.then(resolve, reject)
        }, this.delayMs)
      })
    }
  }

  const wait = delayed((ms: number) => new Promise((resolve) => setTimeout(resolve, ms, ms)), {
    pure: false,
  })

  test('holds its calls to the timeout from the start it reports, not from the hand-over', async () => {
    expect(await compute(wait(50), { executor: new LateExecutor(400), timeout: 250 })).toEqual([50])
    // Begun 150 ms before it said so: 150 ms of its 250 are gone by then.
    const late = compute(wait(350), { executor: new LateExecutor(0, 150), timeout: 250 })
    await expect(late).rejects.toMatchObject({ code: 'ERR_TASK_TIMEOUT' })
  })
})
