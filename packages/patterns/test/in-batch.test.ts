import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { threadId } from 'node:worker_threads'
import {
  InvalidArgumentError,
  InvalidOptionError,
  NotCallableError,
  delayed,
} from '@taskgraph/core'
import {
  anyFailed,
  callArgs,
  inbatchParallel,
  type InBatchFunction,
  type InBatchRunOptions,
  type InBatchTarget,
} from '@taskgraph/patterns'
import {
  CancelledError,
  Client,
  SerializationError,
  TaskError,
  ThreadExecutor,
  TimeoutError,
  WorkerLostError,
} from '@taskgraph/scheduler'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  Counter,
  echo,
  exitAll,
  failOddItems,
  failOnOdd,
  makeCounters,
  meetAll,
  meetUp,
  readOnce,
  scale,
  scaleAll,
  stuckAll,
  takeAWhile,
  throwTexts,
} from './fixtures/batch-tasks.mjs'
import { POOLS } from './executors.js'
import { rejection } from './helpers.js'

const MAIN = `${process.pid}:${threadId}`

/** Every target, for `describe.each`. */
const TARGETS = ['for', 'async', 'threads', 'processes'] as const satisfies InBatchTarget[]

/** Fails unless every call ran where `target` runs calls: a worker, or this thread. */
function expectRanWhere(target: InBatchTarget, workers: readonly string[]): void {
  for (const worker of workers) {
    const [pid] = worker.split(':').map(Number)
    if (target === 'threads') {
      expect(pid).toBe(process.pid)
      expect(worker).not.toBe(MAIN)
    } else if (target === 'processes') {
      expect(pid).not.toBe(process.pid)
    } else {
      expect(worker).toBe(MAIN)
    }
  }
}

describe.each(TARGETS)('an in-batch function on the %s target', (target) => {
  const pool = target === 'threads' || target === 'processes'
  // Pools of two workers, started for each call, as the named targets do.
  const run: InBatchRunOptions = pool ? { target, workers: 2 } : { target }
  const on = <A extends unknown[], Out>(fn: InBatchFunction<A, Out>) => fn.with(run)

  test("init 'indices' calls fn(index, ...args) for each position, results in order", async () => {
    const byIndex = inbatchParallel(scale, { init: 'indices', ...run })
    const results = await byIndex(['a', 'b', 'c', 'd'], 10)
    expect(results).toMatchObject([{ value: 0 }, { value: 10 }, { value: 20 }, { value: 30 }])
    expectRanWhere(
      target,
      results.map((result) => (result as { worker: string }).worker),
    )
  })

  test("init 'items' calls fn(item, ...args) for each element", async () => {
    const results = await on(scaleAll)(new Float64Array([5, 6, 7]), 2)
    expect(results).toMatchObject([{ value: 10 }, { value: 12 }, { value: 14 }])
    expect(anyFailed(results)).toBe(false)
    expectRanWhere(
      target,
      results.map((result) => (result as { worker: string }).worker),
    )
  })

  test('a custom init gives positional arguments as arrays', async () => {
    const withPositions = inbatchParallel(echo, {
      init: (batch: string[], extra: number) => batch.map((item, i) => [item, i, extra]),
      ...run,
    })
    const results = await withPositions(['a', 'b'], 9)
    expect(results.map((result) => (result as { args: unknown[] }).args)).toEqual([
      ['a', 0, 9],
      ['b', 1, 9],
    ])
  })

  test('a custom init gives named arguments with callArgs(named)', async () => {
    const named = inbatchParallel(echo, {
      init: (batch: string[]) => batch.map((item, i) => callArgs({ item, position: i })),
      ...run,
    })
    const results = await named(['a', 'b'])
    expect(results.map((result) => (result as { args: unknown[] }).args)).toEqual([
      [{ item: 'a', position: 0 }],
      [{ item: 'b', position: 1 }],
    ])
  })

  test('a custom init gives positional and named arguments with callArgs(positional, named)', async () => {
    const combined = inbatchParallel(echo, {
      init: (batch: string[], extra: string) =>
        batch.map((item, i) => callArgs([item, i], { extra })),
      ...run,
    })
    const results = await combined(['a', 'b'], 'x')
    expect(results.map((result) => (result as { args: unknown[] }).args)).toEqual([
      ['a', 0, { extra: 'x' }],
      ['b', 1, { extra: 'x' }],
    ])
  })

  test("init and post get the batch itself and the call's arguments", async () => {
    const seen: unknown[][] = []
    const traced = inbatchParallel(echo, {
      init: (batch: { name: string }, ...args: unknown[]) => {
        seen.push(['init', batch, ...args])
        return [[batch.name]]
      },
      post: (results, batch, ...args) => {
        seen.push(['post', results.length, batch, ...args])
        return batch
      },
      ...run,
    })
    const batch = { name: 'batch-1' }
    expect(await traced(batch, 1, 'two')).toBe(batch)
    expect(seen).toEqual([
      ['init', batch, 1, 'two'],
      ['post', 1, batch, 1, 'two'],
    ])
    expect(seen[0]![1]).toBe(batch)
  })

  test("post gets every result or error in order; one call's failure stops no other", async () => {
    const checked = inbatchParallel(failOnOdd, {
      init: 'items',
      post: (results) => ({ failed: anyFailed(results), results }),
      ...run,
    })
    const { failed, results } = await checked([0, 1, 2, 3])
    expect(failed).toBe(true)
    expect(results[0]).toBe(0)
    expect(results[2]).toBe(2)
    for (const [i, error] of [
      [1, results[1]],
      [3, results[3]],
    ] as const) {
      expect(error).toBeInstanceOf(Error)
      // On a pool, a copy: same name, message and properties, not the same class.
      expect(error).toMatchObject({ name: 'RangeError', message: `odd item ${i}`, code: 'E_ODD' })
      if (!pool) expect(error).toBeInstanceOf(RangeError)
    }
  })

  test('without post, the results are returned, errors in their places', async () => {
    const results = await on(failOddItems)([2, 3])
    expect(results[0]).toBe(2)
    expect(results[1]).toMatchObject({ name: 'RangeError', code: 'E_ODD' })
  })

  test('a thrown value that is not an Error arrives as a TaskError whose cause it is', async () => {
    const [result] = await on(throwTexts)([1])
    expect(result).toBeInstanceOf(TaskError)
    expect((result as TaskError).cause).toBe('not an error')
  })

  test('a result a worker cannot send back is that call’s SerializationError', async () => {
    const [result] = await on(makeCounters)([1])
    if (pool) expect(result).toBeInstanceOf(SerializationError)
    else expect(result).toBeInstanceOf(Counter)
  })

  // Named the task's argument, "args[1][0]", not the call, and advised
  // delayed(fn, { mainThread: true }), which in-batch functions do not take.
  test('an argument a worker cannot receive fails the whole call with a SerializationError naming the call', async () => {
    const echoItems = inbatchParallel(echo, { init: 'items', ...run })
    const call = echoItems([1, 2, new Counter()])
    if (!pool) {
      expect((await call)[2]).toMatchObject({ args: [expect.any(Counter)] })
      return
    }
    const error = await rejection(call)
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'argument',
      path: 'args[0] of call 2',
      index: 2,
      functionName: 'echo',
    })
    expect((error as Error).message).not.toMatch(/mainThread/)
  })

  // Had no index: only a call's unsendable arguments named the call.
  test("a call's timeout, or its lost worker, names the call's index", async () => {
    vi.stubEnv('TASKGRAPH_TIMEOUT', '200')
    try {
      const timedOut = await rejection(on(stuckAll)([0, 1, 2]))
      expect(timedOut).toBeInstanceOf(TimeoutError)
      expect(timedOut).toMatchObject({
        code: 'ERR_TASK_TIMEOUT',
        functionName: 'stuckOnOne',
        index: 1,
      })
    } finally {
      vi.unstubAllEnvs()
    }
    if (!pool) return
    const lost = await rejection(on(exitAll)([0, 1, 2]))
    expect(lost).toBeInstanceOf(WorkerLostError)
    expect(lost).toMatchObject({ code: 'ERR_WORKER_LOST', functionName: 'exitOnOne', index: 1 })
  })

  test("init 'once' calls fn once, with the call's arguments (batchflow's run_once)", async () => {
    const results = await on(readOnce)('any batch', '/some/path')
    expect(results).toMatchObject([{ src: '/some/path', fmt: 'raw' }])
    expectRanWhere(
      target,
      results.map((result) => (result as { worker: string }).worker),
    )
  })

  test('an empty batch makes no calls', async () => {
    expect(await on(scaleAll)([])).toEqual([])
  })

  // There was no signal: a call could not be cancelled, and { signal } was an unknown option.
  test('a signal cancels calls with a CancelledError, before init or while they run', async () => {
    const controller = new AbortController()
    const waitAll = inbatchParallel(takeAWhile, { init: 'items', ...run })
    const running = waitAll.with({ signal: controller.signal })([1, 2, 3])
    setTimeout(() => controller.abort(), 20)
    expect(await rejection(running)).toBeInstanceOf(CancelledError)
    let inits = 0
    const aborted = inbatchParallel(takeAWhile, {
      init: (batch: number[]) => {
        inits++
        return batch.map((item) => [item] as [number])
      },
      ...run,
      signal: AbortSignal.abort(),
    })
    expect(await rejection(aborted([1]))).toBeInstanceOf(CancelledError)
    expect(inits).toBe(0)
  })
})

describe('targets and workers', () => {
  test('the default target, async, overlaps the calls; for runs them one by one', async () => {
    const calls = [1, 2, 3]
    expect(await meetUp(calls, 'default')).toEqual([true, true, true])
    const oneByOne = await meetUp.with({ target: 'for' })(calls, 'for')
    expect(oneByOne).toEqual([false, false, true])
  })

  test('an executor of your own serves many calls, and stays open', async () => {
    const threads = new ThreadExecutor({ workers: 2 })
    try {
      const scaleOnThreads = scaleAll.with({ target: threads })
      const first = await scaleOnThreads([1, 2, 3])
      const second = await scaleOnThreads([4])
      const workers = [...first, ...second].map((result) => (result as { worker: string }).worker)
      expectRanWhere('threads', workers)
    } finally {
      await threads.close()
    }
  })

  test('a target without workers drops those set for a pool', () => {
    const onPool = inbatchParallel(scale, { init: 'items', target: 'threads', workers: 2 })
    expect(() => onPool.with({ target: 'async' })).not.toThrow()
  })
})

describe.each(POOLS)('workers per call on the %s target', (target) => {
  let dir: string | undefined
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    dir = undefined
  })

  test('with({ workers: 3 }) runs 3 calls on 3 workers at once', async () => {
    dir = await mkdtemp(join(tmpdir(), 'taskgraph-meet-'))
    // Each call holds its worker until all three have arrived: only 3 workers get there.
    const met = await meetAll.with({ target, workers: 3 })(null, join(dir, 'meet.txt'), 3)
    expect(anyFailed(met)).toBe(false)
    expect(new Set(met).size).toBe(3)
  })

  test('with({ workers: 1 }) runs every call on one worker', async () => {
    const results = await scaleAll.with({ target, workers: 1 })([1, 2, 3, 4, 5, 6])
    const workers = results.map((result) => (result as { worker: string }).worker)
    expect(new Set(workers).size).toBe(1)
    expectRanWhere(target, workers)
  })
})

describe('invalid definitions and calls', () => {
  const definitionError = (options: unknown): unknown => {
    try {
      inbatchParallel(scale, options as never)
    } catch (error) {
      return error
    }
    return undefined
  }

  test.each([
    ['no init', {}],
    ['an unknown init', { init: 'images' }],
    ['a post that is not a function', { init: 'items', post: 'post_fn' }],
    ['an unknown target', { init: 'items', target: 'mpc' }],
    ['workers on async', { init: 'items', target: 'async', workers: 2 }],
    ['workers on for', { init: 'items', target: 'for', workers: 2 }],
    ['workers with an executor', { init: 'items', target: new ThreadExecutor(), workers: 2 }],
    ['workers 300', { init: 'items', target: 'threads', workers: 300 }],
    ['an unknown option', { init: 'items', n_workers: 2 }],
    ['a signal that is not an AbortSignal', { init: 'items', signal: 'stop' }],
  ])('%s is an InvalidOptionError', (_, options) => {
    expect(definitionError(options)).toBeInstanceOf(InvalidOptionError)
  })

  // It said "not a string ("for")".
  test('workers on for names the target as the option is written', () => {
    expect(
      (definitionError({ init: 'items', target: 'for', workers: 2 }) as Error).message,
    ).toContain("option \"workers\" applies to the 'threads' and 'processes' targets, not 'for'.")
  })

  test('with() takes only target, workers and signal, checked', () => {
    expect(() => scaleAll.with({ init: 'indices' } as never)).toThrow(InvalidOptionError)
    expect(() => scaleAll.with({ workers: 2 })).toThrow(InvalidOptionError)
    // Taken as left out, as inbatchParallel's own options are not: the calls ran on the
    // target set before, without a word.
    expect(() => scaleAll.with({ target: null } as never)).toThrow(
      /option "target" must be .* got null/,
    )
    expect(() => scaleAll.with({ target: 'threads', workers: null } as never)).toThrow(
      InvalidOptionError,
    )
    expect(() => scaleAll.with({ signal: null } as never)).toThrow(
      'option "signal" must be an AbortSignal, got null.',
    )
  })

  test('a function that is not callable, or is delayed, is refused', () => {
    expect(() => inbatchParallel(7 as never, { init: 'items' })).toThrow(NotCallableError)
    expect(() => inbatchParallel(delayed(scale) as never, { init: 'items' })).toThrow(
      InvalidArgumentError,
    )
  })

  // It failed with a TypeError about `.some`, from inside.
  test('anyFailed of what is not an array is an InvalidArgumentError naming it', () => {
    for (const results of [undefined, null, 3, 'results', { length: 0 }]) {
      expect(() => anyFailed(results as never)).toThrow(InvalidArgumentError)
    }
    expect(() => anyFailed(null as never)).toThrow(
      /^anyFailed: expects the array of results post gets, got null\./,
    )
  })

  test('init results that are not argument lists reject the call', async () => {
    const notAnArray = inbatchParallel(echo, { init: () => 3 as never })
    const notLists = inbatchParallel(echo, { init: () => [1, 2] as never })
    await expect(notAnArray(null)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(notLists(null)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  // Advised submit(fn, future), which does not apply to a batched function's calls.
  test('a future in the batch or the arguments rejects the call before any runs', async () => {
    const future = new Client({ executor: 'inline' }).submit(scale, 2)
    await future
    const echoAll = inbatchParallel(echo, { init: () => [[1], [{ given: [future] }]] })
    for (const call of [
      scaleAll([1, future] as never),
      scaleAll([1], future as never),
      echoAll(0),
    ]) {
      const error = await rejection(call)
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
      expect((error as Error).message).not.toMatch(/submit\(/)
    }
  })

  test("a batch that init 'items' or 'indices' cannot go through rejects the call", async () => {
    await expect(scaleAll(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  // Refused as "an object", with advice to use init 'once' or a function.
  test('an async iterable batch is refused, saying to collect its items first', async () => {
    const lines = (async function* () {
      yield await Promise.resolve(1)
    })()
    await expect(scaleAll(lines as never)).rejects.toThrow(
      /the batch is an async iterable, which init 'items' or 'indices' cannot go through\. Collect its items first: await Array\.fromAsync\(batch\)/,
    )
  })

  // It made a call per character, as parallelMap and bag.from refuse to.
  test("a string batch is refused by 'items' and 'indices', saying to wrap it in an array", async () => {
    const items = inbatchParallel(echo, { init: 'items' })
    const positions = inbatchParallel(echo, { init: 'indices' })
    for (const each of [items, positions]) {
      const error = await rejection(each('abc' as never))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect((error as Error).message).toMatch(
        /^echo: the batch is a string \("abc"\), which init 'items' or 'indices' would go through character by character\. Pass the items in an array: \[text\] for one string/,
      )
    }
    expect(await items(['abc'])).toMatchObject([{ args: ['abc'] }])
  })

  // The generator's or getter's own error came through raw, naming no call.
  test("a batch whose iterator or getters throw rejects 'items' and 'indices' calls, with the error as cause", async () => {
    const boom = new RangeError('boom')
    const positions = inbatchParallel(echo, { init: 'indices' })
    function* failing(): Generator<number> {
      yield 1
      throw boom
    }
    const noIterator = {
      [Symbol.iterator](): Iterator<number> {
        throw boom
      },
    }
    const getter = {
      length: 2,
      0: 1,
      get 1(): never {
        throw boom
      },
    }
    const noLength = {
      get length(): never {
        throw boom
      },
    }
    const rejected = { code: 'ERR_INVALID_ARGUMENT', cause: boom }
    for (const batch of [failing(), noIterator, getter, noLength]) {
      await expect(scaleAll(batch as never)).rejects.toMatchObject(rejected)
    }
    for (const batch of [failing(), noIterator, noLength]) {
      await expect(positions(batch as never)).rejects.toMatchObject(rejected)
    }
    const error = await rejection(scaleAll(getter as never))
    expect(error).toBeInstanceOf(InvalidArgumentError)
  })

  test("a batch longer than an array can be rejects 'items' and 'indices' calls", async () => {
    const positions = inbatchParallel(echo, { init: 'indices' })
    const huge = { length: 1e10 } as never
    await expect(scaleAll(huge)).rejects.toBeInstanceOf(InvalidArgumentError)
    await expect(positions(huge)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  // Said "must be an array ... got an object", though array-likes are taken: the length is what
  // is wrong. The class did not change, only what the message names, so the message is checked.
  test.each([-1, 2.5, Number.NaN, '3'])(
    "an array-like batch of length %s rejects 'items' and 'indices' calls, naming its length",
    async (length) => {
      const positions = inbatchParallel(echo, { init: 'indices' })
      for (const call of [scaleAll, positions]) {
        const error = await rejection(call({ length } as never))
        expect(error).toBeInstanceOf(InvalidArgumentError)
        expect((error as Error).message).toContain('length')
      }
    },
  )

  // A hole made no call, and the results were read at its place: a bare TypeError.
  test("a sparse batch's holes are undefined items; a sparse init result rejects the call", async () => {
    const echoItems = inbatchParallel(echo, { init: 'items' })
    // eslint-disable-next-line no-sparse-arrays
    const results = await echoItems([1, , 3])
    expect(results.map((result) => (result as { args: unknown[] }).args)).toEqual([
      [1],
      [undefined],
      [3],
    ])
    // eslint-disable-next-line no-sparse-arrays
    const holey = inbatchParallel(echo, { init: () => [[1], , [3]] as never })
    await expect(holey(null)).rejects.toBeInstanceOf(InvalidArgumentError)
  })

  // A revoked Proxy as the named arguments threw a bare TypeError (its prototype read).
  test('callArgs takes an array and a plain object', () => {
    expect(() => callArgs([1], [2] as never)).toThrow(InvalidArgumentError)
    expect(() => callArgs('x' as never, {})).toThrow(InvalidArgumentError)
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    expect(() => callArgs([1], proxy)).toThrow(InvalidArgumentError)
  })
})
