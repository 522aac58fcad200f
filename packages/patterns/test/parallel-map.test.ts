import { threadId } from 'node:worker_threads'
import {
  InvalidArgumentError,
  InvalidOptionError,
  NotCallableError,
  delayed,
  toGraph,
} from '@taskgraph/core'
import { MapItemError, Vectorizer, parallelMap, type ParallelMapOptions } from '@taskgraph/patterns'
import {
  CancelledError,
  Client,
  SerializationError,
  StalledError,
  TaskError,
  ThreadExecutor,
  compute,
  type ExecutorName,
} from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { EXECUTORS, POOLS } from './executors.js'
import {
  failedLoader,
  failOnSeven,
  failToLoad,
  functionOnFive,
  inc,
  lateStatePlacer,
  loadState,
  neverSettles,
  place,
  placer,
  placeWithState,
  rejectOnFive,
  squareLater,
  takeAWhile,
  type Place,
} from './fixtures/map-tasks.mjs'
import { nextTurn, rejection } from './helpers.js'

const MAIN = `${process.pid}:${threadId}`
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)

/** Fails unless every place is where `executor` runs tasks: a worker, or this thread. */
function expectRanWhere(executor: ExecutorName, places: readonly Place[]): void {
  for (const { worker } of places) {
    const [pid] = worker.split(':').map(Number)
    if (executor === 'threads') {
      expect(pid).toBe(process.pid)
      expect(worker).not.toBe(MAIN)
    } else if (executor === 'processes') {
      expect(pid).not.toBe(process.pid)
    } else {
      expect(worker).toBe(MAIN)
    }
  }
}

/** The number of chunk tasks in a map's graph: every task but the join. */
function chunkTasks(vectorizer: Vectorizer<number, Place>, items: number[]): number {
  return toGraph(vectorizer.map(items)).order - 1
}

describe.each(EXECUTORS)('parallelMap on the %s executor', (executor) => {
  // Pools of two workers, started for each call, as parallelMap does by default.
  const options: ParallelMapOptions =
    executor === 'threads' || executor === 'processes' ? { executor, workers: 2 } : { executor }

  test('returns the results in input order, computed where the executor runs tasks', async () => {
    const places = await parallelMap(place, range(30), { ...options, chunkSize: 4 })
    expect(places.map((p) => p.item)).toEqual(range(30))
    expectRanWhere(executor, places)
  })

  test('init runs once per worker, in that worker, and its state reaches fn', async () => {
    const places = await parallelMap(placeWithState, range(24), {
      ...options,
      init: loadState,
      chunkSize: 1,
    })
    expect(places.map((p) => p.item)).toEqual(range(24))
    expectRanWhere(executor, places)
    const statesByWorker = new Map<string, Set<string>>()
    for (const { worker, state } of places) {
      expect(state).toMatchObject({ worker, initCalls: 1 })
      statesByWorker.set(worker, (statesByWorker.get(worker) ?? new Set()).add(state.id))
    }
    for (const ids of statesByWorker.values()) expect(ids.size).toBe(1)
  })

  test('an async init is awaited before the first item, in the lazy form too', async () => {
    const [places] = await compute(lateStatePlacer.map(range(12)), options)
    expect(places.map((p) => p.item)).toEqual(range(12))
    for (const { worker, state } of places) expect(state).toMatchObject({ worker, initCalls: 1 })
  })

  test('async functions keep input order', async () => {
    expect(await parallelMap(squareLater, range(20), options)).toEqual(range(20).map((x) => x * x))
  })

  // Named the chunk's task only: which of its items failed was not said (computed lazily,
  // until later: a chunk's plain TaskError).
  test("an item's failure is a MapItemError naming its index, its cause what fn threw, lazily too", async () => {
    const error = await rejection(parallelMap(failOnSeven, range(10), { ...options, chunkSize: 3 }))
    expect(error).toBeInstanceOf(MapItemError)
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ code: 'ERR_TASK_FAILED', index: 7, functionName: 'failOnSeven' })
    expect((error as TaskError).key).toMatch(/^failOnSeven-/)
    expect((error as TaskError).cause).toMatchObject({ name: 'RangeError', code: 'E_ITEM' })
    // Rejected, and with a thrown value that is not an error; from Vectorizer#process.
    const rejected = await rejection(parallelMap(rejectOnFive, range(8), options))
    expect(rejected).toMatchObject({ index: 5, cause: 'no fives' })
    const failer = new Vectorizer(failOnSeven, { ...options, chunkSize: 3 })
    const processed = await rejection(failer.process(range(10)))
    expect(processed).toBeInstanceOf(MapItemError)
    expect(processed).toMatchObject({ index: 7 })
    // Vectorizer#map, computed in a graph.
    const lazy = await rejection(compute(failer.map(range(10)), options))
    expect(lazy).toBeInstanceOf(MapItemError)
    expect(lazy).toMatchObject({ index: 7, functionName: 'failOnSeven' })
    expect((lazy as TaskError).cause).toMatchObject({ name: 'RangeError', code: 'E_ITEM' })
  })

  // Reported as fn's failure ("task ... (function placeWithState) failed: ..."), naming
  // neither init nor that no item had run.
  test('an init that throws or rejects fails the call with a TaskError naming init, lazily too', async () => {
    const thrown = await rejection(
      parallelMap(placeWithState, range(4), { ...options, init: failToLoad }),
    )
    expect(thrown).toBeInstanceOf(TaskError)
    expect(thrown).not.toBeInstanceOf(MapItemError)
    expect(thrown).toMatchObject({ code: 'ERR_TASK_FAILED', functionName: 'placeWithState' })
    expect((thrown as Error).message).toMatch(
      /^parallelMap: task "placeWithState-\w+" \(function placeWithState\) failed before its first item: its init failToLoad, which makes each worker's state, threw: RangeError: no model here$/,
    )
    expect((thrown as Error).cause).toMatchObject({ message: 'no model here', code: 'E_INIT' })
    const lazy = await rejection(compute(failedLoader.map(range(4)), options))
    expect(lazy).toBeInstanceOf(TaskError)
    expect((lazy as Error).message).toMatch(
      /failed before its first item: its init failToLoadLater, which makes each worker's state, threw: RangeError: no model later$/,
    )
    expect((lazy as Error).cause).toMatchObject({ message: 'no model later', code: 'E_INIT' })
  })

  // Named "the result[1]", the item's place in its chunk, and advised
  // delayed(fn, { mainThread: true }), which parallelMap does not take.
  test('a result a worker cannot send back is a SerializationError naming the item', async () => {
    const call = parallelMap(functionOnFive, range(9), { ...options, chunkSize: 4 })
    if (executor !== 'threads' && executor !== 'processes') {
      // Nothing is copied on the calling thread.
      expect(typeof (await call)[5]).toBe('function')
      return
    }
    const error = await rejection(call)
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'result',
      path: 'functionOnFive(items[5])',
      index: 5,
      functionName: 'functionOnFive',
    })
    expect((error as Error).message).not.toMatch(/mainThread/)
  })

  // Named the chunk's argument, "args[1][2]", not the item, and advised
  // delayed(fn, { mainThread: true }), which parallelMap does not take.
  test('an item a worker cannot be sent is a SerializationError naming the item', async () => {
    class Handle {
      readonly #fd = 6
      get fd(): number {
        return this.#fd
      }
    }
    const items = [0, 1, 2, 3, 4, 5, new Handle(), 7] as unknown as number[]
    const call = parallelMap(place, items, { ...options, chunkSize: 4 })
    if (executor !== 'threads' && executor !== 'processes') {
      // Nothing is copied on the calling thread.
      expect((await call)[6]?.item).toBeInstanceOf(Handle)
      return
    }
    const error = await rejection(call)
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'argument',
      path: 'items[6]',
      index: 6,
      functionName: 'place',
    })
    expect((error as Error).message).not.toMatch(/mainThread/)
  })

  // There was no signal: a call could not be cancelled, and { signal } was an unknown option.
  test('a signal cancels parallelMap and Vectorizer#process with a CancelledError', async () => {
    const controller = new AbortController()
    const running = parallelMap(takeAWhile, range(4), { ...options, signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    expect(await rejection(running)).toBeInstanceOf(CancelledError)
    const vectorizer = new Vectorizer(takeAWhile, options)
    const cancelled = vectorizer.process(range(2), { signal: AbortSignal.abort() })
    expect(await rejection(cancelled)).toBeInstanceOf(CancelledError)
  })

  test('Vectorizer#map is a task per chunk and a join, which any executor computes', async () => {
    const mapped = placer.map(range(10)) // chunks of 4: 4 + 4 + 2 items
    expect(toGraph(mapped).order).toBe(4)
    const [places] = await compute(mapped, options)
    expect(places.map((p) => p.item)).toEqual(range(10))
    expectRanWhere(executor, places)
  })

  test('Vectorizer#map takes Delayed items, computed first', async () => {
    const [places] = await compute(placer.map(range(6).map((i) => inc(i))), options)
    expect(places.map((p) => p.item)).toEqual([1, 2, 3, 4, 5, 6])
  })
})

// In-process executors find such a promise only once the program has nothing left to
// do (never, under a test runner): the pools, in their workers, as soon as it waits.
describe.each(POOLS)('parallelMap on the %s executor', (executor) => {
  const options: ParallelMapOptions = { executor, workers: 2 }

  // On a pool, a chunk that begins once its function is found (imported, a turn later)
  // was not counted as waiting: the worker held on for ever, and so did the map.
  test.each([1, 4])(
    'an item whose promise can never settle is a StalledError (%i items)',
    async (count) => {
      const error = await rejection(parallelMap(neverSettles, range(count), options))
      expect(error).toBeInstanceOf(StalledError)
      expect(error).toMatchObject({ code: 'ERR_TASK_STALLED', functionName: 'neverSettles' })
    },
  )
})

describe('chunks', () => {
  test('by default, 4 per worker on a pool, 1 item each on async, one on inline', () => {
    const items = range(16)
    const chunks = (options: ParallelMapOptions) =>
      chunkTasks(new Vectorizer(place, options), items)
    expect({
      threads: chunks({ executor: 'threads', workers: 2 }),
      processes: chunks({ executor: 'processes', workers: 1 }),
      async: chunks({ executor: 'async' }),
      inline: chunks({ executor: 'inline' }),
      chunkSize: chunks({ chunkSize: 5 }),
    }).toEqual({ threads: 8, processes: 4, async: 16, inline: 1, chunkSize: 4 })
  })

  test('an executor instance is sized by its workers, and left open', async () => {
    const pool = new ThreadExecutor({ workers: 3 })
    try {
      const vectorizer = new Vectorizer(place, { executor: pool })
      expect(chunkTasks(vectorizer, range(24))).toBe(12)
      const first = await vectorizer.process(range(24))
      const again = await vectorizer.process(range(5))
      expect([...first, ...again].map((p) => p.item)).toEqual([...range(24), ...range(5)])
      expectRanWhere('threads', [...first, ...again])
    } finally {
      await pool.close()
    }
  })

  test('no items: no chunk, and an empty result', async () => {
    expect(chunkTasks(placer, [])).toBe(0)
    expect(await parallelMap(place, [])).toEqual([])
    expect(await compute(placer.map([]), { executor: 'inline' })).toEqual([[]])
  })

  // With no items there was nothing to run, so an aborted signal went unheard: [] came back.
  test('no items and a signal aborted already: a CancelledError, as with items', async () => {
    const signal = AbortSignal.abort()
    expect(await rejection(parallelMap(place, [], { signal }))).toBeInstanceOf(CancelledError)
    expect(await rejection(placer.process([], { signal }))).toBeInstanceOf(CancelledError)
  })

  test('iterables other than arrays are mapped in their order', async () => {
    const items = new Set([3, 1, 2])
    const places = await parallelMap(place, items, { executor: 'inline' })
    expect(places.map((p) => p.item)).toEqual([3, 1, 2])
  })
})

describe('functions that workers cannot reach', () => {
  test('a closure runs on this thread, correctly, with one warning', async () => {
    const offset = 100
    const warnings: (Error & { code?: string })[] = []
    const listen = (warning: Error): number => warnings.push(warning)
    process.on('warning', listen)
    let results: number[] = []
    try {
      results = await parallelMap((x: number) => x + offset, range(8), {
        executor: 'threads',
        workers: 2,
      })
      await nextTurn()
    } finally {
      process.off('warning', listen)
    }
    expect(results).toEqual(range(8).map((x) => x + 100))
    expect(warnings.map((warning) => warning.code)).toEqual(['TASKGRAPH_MAIN_THREAD'])
  })
})

describe('invalid calls', () => {
  const errorOf = (make: () => unknown): unknown => {
    try {
      make()
    } catch (error) {
      return error
    }
    return undefined
  }

  test.each([
    ['chunkSize 0', { chunkSize: 0 }],
    ['chunkSize 2.5', { chunkSize: 2.5 }],
    ['workers on async', { executor: 'async', workers: 2 }],
    ['workers 0', { executor: 'threads', workers: 0 }],
    ['workers with an executor instance', { executor: new ThreadExecutor(), workers: 2 }],
    ['an unknown executor', { executor: 'gpu' }],
    ['an unknown option', { num_workers: 4 }],
    ['an init that is not a function', { init: 'model.bin' }],
  ])('%s is an InvalidOptionError', async (_, options) => {
    const make = () => new Vectorizer(place, options as ParallelMapOptions)
    expect(errorOf(make)).toBeInstanceOf(InvalidOptionError)
    await expect(parallelMap(place, [1], options as ParallelMapOptions)).rejects.toBeInstanceOf(
      InvalidOptionError,
    )
  })

  // It said "not a string ("async")", where compute says "not 'async'".
  test('workers on async names the executor as the option is written', async () => {
    const message =
      "option \"workers\" applies to the 'threads' and 'processes' executors, not 'async'."
    const make = () => new Vectorizer(place, { executor: 'async', workers: 2 } as never)
    expect((errorOf(make) as Error).message).toContain(message)
    await expect(
      parallelMap(place, [1], { executor: 'async', workers: 2 } as never),
    ).rejects.toThrow(message)
  })

  test('a function to map that is not a function is a NotCallableError', async () => {
    expect(errorOf(() => new Vectorizer(42 as never))).toBeInstanceOf(NotCallableError)
    await expect(parallelMap(42 as never, [1])).rejects.toBeInstanceOf(NotCallableError)
  })

  test('a delayed function, whose calls record tasks, is an InvalidArgumentError', () => {
    const lazy = delayed(place)
    expect(errorOf(() => new Vectorizer(lazy as never))).toBeInstanceOf(InvalidArgumentError)
  })

  test('items that are not iterable are an InvalidArgumentError', async () => {
    expect(errorOf(() => placer.map(3 as never))).toBeInstanceOf(InvalidArgumentError)
    await expect(placer.process({ length: 2 } as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    )
  })

  // Mapped the string's characters, where bag.from refuses a string.
  test('a string given as the items is an InvalidArgumentError, as bag.from gives', async () => {
    for (const call of [
      () => parallelMap(place, 'abc' as never),
      () => placer.process('abc' as never),
      () => placer.map('abc' as never),
    ]) {
      const error = await rejection(Promise.resolve().then((): unknown => call()))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    }
  })

  // The generator's own error came through raw, naming no call.
  test('items whose iterator throws are an InvalidArgumentError, with its error as cause', async () => {
    const boom = new RangeError('boom')
    function* failing(): Generator<number> {
      yield 1
      throw boom
    }
    const noIterator = {
      [Symbol.iterator](): Iterator<number> {
        throw boom
      },
    }
    const error = await parallelMap(place, failing()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect(error).toMatchObject({ cause: boom })
    await expect(parallelMap(place, noIterator)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      cause: boom,
    })
    expect(errorOf(() => placer.map(failing()))).toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
      cause: boom,
    })
  })

  // Named the chunk task's function ("place: an argument is a Future") and advised submit.
  test('a future among the items is an InvalidArgumentError naming the call', async () => {
    const future = new Client({ executor: 'inline' }).submit(place, 1)
    await future
    for (const [caller, call] of [
      ['parallelMap', () => parallelMap(place, [1, future] as never)],
      ['Vectorizer#process', () => placer.process([[future]] as never)],
      ['Vectorizer#map', () => placer.map([{ item: future }] as never)],
    ] as const) {
      const error = await rejection(Promise.resolve().then((): unknown => call()))
      expect(error).toBeInstanceOf(InvalidArgumentError)
      expect(error).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
      expect((error as Error).message.startsWith(`${caller}: `)).toBe(true)
    }
  })

  // Was "got an object", with nothing on how to pass one.
  test('an async iterable is refused with how to collect it first', async () => {
    async function* numbers(): AsyncGenerator<number> {
      yield await Promise.resolve(1)
    }
    const error = await parallelMap(place, numbers() as never).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidArgumentError)
    expect((error as Error).message).toMatch(/async iterable.*Array\.fromAsync/s)
  })
})
