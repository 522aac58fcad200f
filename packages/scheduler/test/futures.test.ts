import { InvalidArgumentError, InvalidOptionError, bag, delayed } from '@taskgraph/core'
import { describe, expect, test } from 'vitest'
import {
  AsCompleted,
  CancelledError,
  Client,
  TaskError,
  WaitTimeoutError,
  asCompleted,
  compute,
  isFuture,
  submit,
  wait,
  type Future,
} from '@taskgraph/scheduler'
import { SUITE_EXECUTORS, shared } from './executors.js'
import { threadId } from 'node:worker_threads'
import { inc, sleepThen, sum, throws, where } from './fixtures/pool-tasks.mjs'
import { rejection } from './helpers.js'

describe.each(SUITE_EXECUTORS)('futures on the %s executor', (name) => {
  const client = new Client({ executor: shared(name) })

  test('asCompleted hands futures back in the order they finish', async () => {
    // Sleeps far apart, so that two workers give the same order as many.
    const futures = [
      client.submit(sleepThen, 900, 'slow'),
      client.submit(sleepThen, 100, 'fast'),
      client.submit(sleepThen, 400, 'middle'),
    ]
    const order: string[] = []
    for await (const future of asCompleted(futures)) order.push((await future) as string)
    expect(order).toEqual(['fast', 'middle', 'slow'])
    expect(futures.map((future) => future.status)).toEqual(['finished', 'finished', 'finished'])
  })

  test('futures passed as arguments are waited for and stand for their results', async () => {
    const a = client.submit(inc, 1)
    const b = client.submit(inc, a)
    const both = client.submit(sum, [a, b])
    expect(await both).toBe(5)
    expect([await a, await b]).toEqual([2, 3])
  })

  test('Delayed arguments are computed as part of the future', async () => {
    expect(await client.submit(sum, [inc(1), inc(2)])).toBe(5)
  })

  test('map makes one future per item, in order', async () => {
    const futures = client.map(inc, [1, 2, 3])
    expect(futures.every(isFuture)).toBe(true)
    expect(await Promise.all(futures)).toEqual([2, 3, 4])
  })

  test('a fan-out as wide as the data a first future returns', async () => {
    const items = client.submit(sleepThen, 20, [5, 6, 7, 8])
    const futures = client.map(inc, (await items) as number[])
    expect(await client.submit(sum, futures)).toBe(30)
  })

  test('AsCompleted takes futures added while it iterates', async () => {
    const done = new AsCompleted([client.submit(sleepThen, 50, 1)])
    // The name messages and the console give it, as asCompleted's.
    expect(done.constructor.name).toBe('AsCompleted')
    expect(asCompleted()).toBeInstanceOf(AsCompleted)
    const seen: number[] = []
    for await (const future of done) {
      const value = (await future) as number
      seen.push(value)
      if (value < 3) done.add(client.submit(sleepThen, 20, value + 1))
    }
    expect(seen).toEqual([1, 2, 3])
  })

  test('a failing future rejects with the TaskError naming its key; its dependents fail with it', async () => {
    const failing = client.submit(throws, 'no good')
    const error = await failing.result().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    expect((error as TaskError).key).toBe(failing.key)
    expect((error as TaskError).cause).toMatchObject({ message: 'no good' })
    expect(failing.status).toBe('error')
    const dependent = client.submit(inc, failing)
    await expect(dependent).rejects.toBe(error)
    expect(dependent.status).toBe('error')
  })

  test('cancelling one future of many stops it alone', async () => {
    const long = client.submit(sleepThen, 5000, 'never')
    const waiting = client.submit(inc, long as Future<number>)
    const others = [client.submit(sleepThen, 50, 'a'), client.submit(inc, 1)]
    long.cancel()
    await expect(long).rejects.toBeInstanceOf(CancelledError)
    await expect(waiting).rejects.toBeInstanceOf(CancelledError)
    expect(long.status).toBe('cancelled')
    expect(await Promise.all(others)).toEqual(['a', 2])
    // A settled future stays as it settled.
    others[1]!.cancel()
    expect(others[1]!.status).toBe('finished')
  })

  // The client's signal reached a future only once the futures it was given had results:
  // one given a future that never ended stayed pending for ever, aborted.
  test("a client's signal cancels its futures waiting for the futures they were given", async () => {
    const long = client.submit(sleepThen, 5000, 'never')
    const controller = new AbortController()
    const stopping = new Client({ executor: shared(name), signal: controller.signal })
    const waiting = stopping.submit(inc, long as Future<number>)
    controller.abort('stop')
    await expect(waiting).rejects.toBeInstanceOf(CancelledError)
    // One submitted after the abort, too.
    await expect(stopping.submit(inc, long as Future<number>)).rejects.toBeInstanceOf(
      CancelledError,
    )
    expect(long.status).toBe('pending')
    long.cancel()
    await long.result().catch(() => undefined)
  })

  // A cancelled future counted as the first failure: as in Python, it is not one.
  test("wait's FIRST_EXCEPTION does not take a cancelled future for a failure", async () => {
    const cancelled = client.submit(sleepThen, 5000, 'never')
    const slow = client.submit(sleepThen, 300, 'slow')
    cancelled.cancel()
    const result = await wait([cancelled, slow], { returnWhen: 'FIRST_EXCEPTION' })
    expect(result.done).toEqual(new Set([cancelled, slow]))
    expect(slow.status).toBe('finished')
  })

  test('wait returns at the first completed, the first failure, or when all are done', async () => {
    const fast = client.submit(sleepThen, 30, 'fast')
    const slow = client.submit(sleepThen, 800, 'slow')
    const first = await wait([fast, slow], { returnWhen: 'FIRST_COMPLETED' })
    expect([...first.done]).toEqual([fast])
    expect([...first.notDone]).toEqual([slow])

    const failing = client.submit(throws, 'boom')
    const slower = client.submit(sleepThen, 800, 'slower')
    const failed = await wait([slower, failing], { returnWhen: 'FIRST_EXCEPTION' })
    expect([...failed.done]).toEqual([failing])
    expect(failed.notDone.has(slower)).toBe(true)

    const all = await wait([slow, slower, failing])
    expect(all.done.size).toBe(3)
    expect(all.notDone.size).toBe(0)
  })

  // A future given twice was counted once as done: the wait never ended.
  test('wait counts a future given twice once', async () => {
    const first = client.submit(inc, 1)
    const second = client.submit(inc, 2)
    const all = await wait([first, first, second])
    expect([...all.done].sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [first, second].sort((a, b) => a.key.localeCompare(b.key)),
    )
    const failed = await wait([first, first], { returnWhen: 'FIRST_EXCEPTION' })
    expect([...failed.done]).toEqual([first])
  })

  test('wait rejects with WaitTimeoutError naming what is still pending', async () => {
    const slow = client.submit(sleepThen, 1000, 'slow')
    const error = await wait([slow], { timeout: 50 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WaitTimeoutError)
    expect((error as WaitTimeoutError).code).toBe('ERR_WAIT_TIMEOUT')
    // A set, as wait's own notDone: it was an array, whose has() threw.
    expect((error as WaitTimeoutError).notDone).toEqual(new Set([slow]))
    expect((error as Error).message).toContain(slow.key)
    slow.cancel()
    await slow.result().catch(() => undefined)
  })
})

describe('submit', () => {
  // The first submit made an async executor its for good: TASKGRAPH_EXECUTOR set later
  // moved compute to the pool, and left submit on the main thread.
  test('follows a change of TASKGRAPH_EXECUTOR from the next call, as compute does', async () => {
    const saved = process.env.TASKGRAPH_EXECUTOR
    try {
      delete process.env.TASKGRAPH_EXECUTOR
      expect(await submit(where, 'here')).toMatchObject({ pid: process.pid, threadId })
      process.env.TASKGRAPH_EXECUTOR = 'processes'
      expect((await submit(where, 'pool')).pid).not.toBe(process.pid)
      delete process.env.TASKGRAPH_EXECUTOR
      expect(await submit(where, 'here again')).toMatchObject({ pid: process.pid, threadId })
    } finally {
      if (saved === undefined) delete process.env.TASKGRAPH_EXECUTOR
      else process.env.TASKGRAPH_EXECUTOR = saved
    }
  })

  test('runs on the default executor and hands back a thenable future with a key', async () => {
    const future = submit(inc, 41)
    expect(future.key).toMatch(/^inc-/)
    expect(future.status).toBe('pending')
    expect(await future).toBe(42)
    expect(future.status).toBe('finished')
    expect(future.done).toBe(true)
  })

  test('takes plain functions too', async () => {
    const twice = (x: number): number => 2 * x
    expect(await submit(twice, submit(inc, 1))).toBe(4)
  })

  // An anonymous function's future was keyed lambda-… without futures among its
  // arguments, anonymous-… with them; a name given with delayed was left out.
  test('keys a future by its task name, futures among the arguments or not', async () => {
    const anonymous = [(x: number) => x + 1][0]!
    expect(submit(anonymous, 1).key).toMatch(/^lambda-/)
    expect(submit(anonymous, submit(inc, 1)).key).toMatch(/^lambda-/)
    const named = delayed((x: number) => x, { name: 'load' })
    expect(submit(named, submit(inc, 1)).key).toMatch(/^load-/)
    expect(await submit(named, submit(inc, 1))).toBe(2)
  })

  test('a failure nobody awaits does not surface as an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const listen = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', listen)
    try {
      const ignored = submit(throws, 'ignored')
      await wait([ignored])
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(ignored.status).toBe('error')
      expect(unhandled).toEqual([])
    } finally {
      process.off('unhandledRejection', listen)
    }
  })

  // A delayed task was given the future itself: inc(future) made "Future(…)1" on the
  // in-process executors.
  test('a future among the arguments of a delayed call, or given to compute, is an InvalidArgumentError', async () => {
    const future = submit(inc, 1)
    expect(() => inc(future as never)).toThrow(InvalidArgumentError)
    expect(() => sum([1, { n: future }] as never)).toThrow(InvalidArgumentError)
    await expect(compute(future)).rejects.toThrow(InvalidArgumentError)
    expect(await future).toBe(2)
  })

  // The bag held the future itself: its tasks were given it, and map((x) => x * 2) made NaN.
  test('a future among the items of bag.from or bag.fromPartitions is an InvalidArgumentError', async () => {
    const future = submit(inc, 1)
    expect(() => bag.from([1, future])).toThrow(InvalidArgumentError)
    expect(() => bag.from([{ n: [future] }])).toThrow(InvalidArgumentError)
    expect(() => bag.fromPartitions([[1], [future]] as never)).toThrow(InvalidArgumentError)
    expect(() => bag.fromPartitions([[inc(1), { n: future }]] as never)).toThrow(
      InvalidArgumentError,
    )
    expect(await bag.from([await future]).compute()).toEqual([2])
  })

  // The items were read as each was submitted: an iterator that threw part way threw its
  // own error, and the futures of the items before it ran on, with no handle to them.
  test('Client#map reads every item before submitting: an iterator that throws submits nothing', async () => {
    const started: number[] = []
    const work = (x: number): number => {
      started.push(x)
      return x
    }
    function* items(): Generator<number> {
      yield 1
      yield 2
      throw new RangeError('the source broke')
    }
    // One task at a time, in order: a future submitted before the last runs before it.
    const client = new Client({ executor: 'async', concurrency: 1 })
    let error: unknown
    try {
      client.map(work, items())
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as Error).cause).toBeInstanceOf(RangeError)
    expect(await client.submit(work, 3)).toBe(3)
    expect(started).toEqual([3])
  })

  // Each item was submitted as it came: an item whose call was refused threw with the
  // futures of the items before it already running, and no handle to them.
  test('Client#map submits nothing when the call of an item is refused', async () => {
    const started: unknown[] = []
    const work = (x: unknown): number => {
      started.push(x)
      return 1
    }
    const cyclic: Record<string, unknown> = { total: inc(1) }
    cyclic.self = cyclic
    // One task at a time, in order: a future submitted before the last runs before it.
    const client = new Client({ executor: 'async', concurrency: 1 })
    expect(() => client.map(work, [1, 2, cyclic])).toThrow(InvalidArgumentError)
    expect(await client.submit(work, 3)).toBe(1)
    expect(started).toEqual([3])
  })

  // The Proxy's own error came through raw, naming no call.
  test('Client#map and submit refuse an item whose Proxy trap throws as it is read, submitting nothing', async () => {
    const started: unknown[] = []
    const work = (x: unknown): number => {
      started.push(x)
      return 1
    }
    const trap = new RangeError('no keys')
    const opaque = new Proxy(
      {},
      {
        ownKeys() {
          throw trap
        },
      },
    )
    const client = new Client({ executor: 'async', concurrency: 1 })
    for (const call of [
      () => client.map(work, [1, 2, opaque]),
      () => client.submit(work, opaque),
    ]) {
      let error: unknown
      try {
        call()
      } catch (thrown) {
        error = thrown
      }
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', cause: trap })
    }
    expect(await client.submit(work, 3)).toBe(1)
    expect(started).toEqual([3])
  })

  // Made one future per character, where bag.from refuses a string.
  test('Client#map refuses a string given as the items, as bag.from does, submitting nothing', () => {
    const started: unknown[] = []
    const work = (x: unknown): unknown => started.push(x)
    const client = new Client({ executor: 'async' })
    let error: unknown
    try {
      client.map(work, 'abc' as never)
    } catch (thrown) {
      error = thrown
    }
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    expect(started).toEqual([])
  })

  // Refused as "an object", naming no fix.
  test('Client#map, wait and asCompleted refuse an async iterable, saying to collect it first', async () => {
    const items = async function* (): AsyncGenerator<never> {}
    expect(() => new Client().map((x: number) => x, items() as never)).toThrow(
      /^map: expects an iterable of items, got an async iterable, which map does not take\. Collect its items first/,
    )
    await expect(wait(items() as never)).rejects.toThrow(
      /^wait: expects an iterable of futures \(an array, a Set\), got an async iterable\. Collect its items first/,
    )
    expect(() => asCompleted(items() as never)).toThrow(
      /^asCompleted: expects an iterable of futures \(an array, a Set\), got an async iterable\. Collect its items first/,
    )
  })

  test('refuses what is not a function to call, items that are not iterable, and options it does not know', async () => {
    expect(() => (submit as (fn: unknown) => unknown)(42)).toThrow(InvalidArgumentError)
    // Their futures failed with "cannot be invoked without 'new'", or finished with an iterator.
    class Point {}
    const uncallable = [Point, function* counts() {}, async function* lines() {}] as never[]
    for (const fn of uncallable) {
      expect(() => submit(fn)).toThrow(InvalidArgumentError)
      expect(() => new Client().map(fn, [1])).toThrow(InvalidArgumentError)
    }
    expect(() => new Client({ executer: 'threads' } as never)).toThrow(InvalidOptionError)
    await expect(wait([], { returnWhen: 'SOMETIMES' as never })).rejects.toThrow(InvalidOptionError)
    // Past the longest timer Node keeps, the wait timed out at once.
    await expect(wait([submit(inc, 1)], { timeout: 3e9 })).rejects.toThrow(
      'wait: option timeout must be a number of milliseconds from 0 to 2147483647',
    )
    // A misspelt option waited without a limit; options that are not an object threw a TypeError.
    for (const options of [{ timout: 10 }, null, 5] as never[]) {
      await expect(wait([], options)).rejects.toThrow(InvalidOptionError)
    }
    // Array.from took a number, or an array-like object, as no items (or as holes).
    for (const items of [3, { length: 2 }, null] as never[]) {
      expect(() => new Client().map(inc, items)).toThrow(InvalidArgumentError)
    }
    // A TypeError ('futures is not iterable'), and a plain value an InvalidOptionError.
    const future = submit(inc, 1)
    for (const futures of [future, 5, [future, 5]] as never[]) {
      const refused = { name: 'InvalidArgumentError', code: 'ERR_INVALID_ARGUMENT' }
      await expect(wait(futures)).rejects.toMatchObject(refused)
      expect(() => asCompleted(futures)).toThrow(expect.objectContaining(refused))
    }
    expect(() => asCompleted().add(5 as never)).toThrow(InvalidArgumentError)
    // What their iterator threw came out bare, as if from inside taskgraph.
    function* broken(): Generator<Future<number>> {
      yield future
      throw new RangeError('the source broke')
    }
    const waited = await rejection(wait(broken()))
    expect(waited).toBeInstanceOf(InvalidArgumentError)
    expect((waited as Error).cause).toBeInstanceOf(RangeError)
    expect(() => asCompleted(broken())).toThrow(InvalidArgumentError)
    expect(await future).toBe(2)
  })
})
