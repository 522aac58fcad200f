import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { TaskCache } from '@taskgraph/cache'
import { gather } from '@taskgraph/core'
import { CancelledError, compute, type RunSummary } from '@taskgraph/scheduler'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { ClusterExecutor } from '@taskgraph/cluster'
import { startWorker, startWorkers, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import {
  bare,
  count,
  double,
  echo,
  first,
  kinds,
  lateSquare,
  ones,
  protoless,
  slowOnes,
  slowSquare,
  square,
  sum,
  total,
} from './fixtures/cached-tasks.mjs'
import { eventually, runKeys } from './fault-checks.js'
import { judgingCache } from '../../scheduler/test/judging-cache.js'
import { startRedis, type RedisServer } from './redis-server.js'

// A persistent cache on a cluster: cached tasks' results move between the cache (a
// directory of the driver's) and the cluster's store, and hits run on no worker. Which
// tasks ran, and where, is read from the log the fixture tasks write from the workers.

let redis: RedisServer
let workers: WorkerProcess[]
let cluster: ClusterExecutor
const scratch = mkdtempSync(join(tmpdir(), 'taskgraph-cluster-cache-'))
const shared = join(scratch, 'shared')
mkdirSync(shared)
const log = join(scratch, 'calls.log')
let cacheDir: string

beforeAll(async () => {
  redis = await startRedis()
  workers = await startWorkers(redis.url, 2, 'c', {
    args: ['--store', pathToFileURL(shared).href],
    env: { TASK_LOG: log },
  })
  cluster = new ClusterExecutor(redis.url)
  await cluster.start()
})

afterAll(async () => {
  await cluster?.close()
  await stopWorkers(workers ?? [])
  await redis?.stop()
  rmSync(scratch, { recursive: true, force: true })
})

let runs = 0
beforeEach(() => {
  cacheDir = join(scratch, `cache-${++runs}`)
})

interface Run {
  readonly result: unknown
  /** The task calls the workers made, as `name(arg)`, sorted. */
  readonly calls: string[]
  readonly summary: Pick<RunSummary, 'done' | 'cached'>
  readonly warnings: string[]
}

/**
 * Computes `target` on `executor` (of `server`) with the cache in `cacheDir`, storing
 * `store` (by default every result: these tasks take microseconds, which the cache would
 * not keep).
 */
async function run(
  target: unknown,
  executor: ClusterExecutor = cluster,
  server: RedisServer = redis,
  store: 'all' | 'worthwhile' = 'all',
): Promise<Run> {
  await rm(log, { force: true })
  const warnings: string[] = []
  let summary: RunSummary | undefined
  const [result] = await compute(target, {
    executor,
    cache: new TaskCache(cacheDir, {
      store,
      onWarning: (message) => warnings.push(message),
    }),
    hooks: { onFinish: (finished) => (summary = finished) },
  })
  const calls = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()
  // A worker removes a job just after replying to it: at once, but not before the reply.
  await eventually(async () => expect(await runKeys(server)).toEqual([]), 2000)
  const { done, cached } = summary!
  return { result, calls, summary: { done, cached }, warnings }
}

/** sum of double(square(x)) over `inputs`: chains of two cached tasks, then a pure sum. */
const flow = (inputs: readonly number[]): unknown => sum(inputs.map((x) => double(square(x))))
const INPUTS = [0, 1, 2, 3, 4, 5]

describe('a cache on a cluster', () => {
  test('a second run executes no task on the workers and returns an equal result', async () => {
    const first = await run(flow(INPUTS))
    expect(first.result).toBe(110)
    expect(first.calls).toEqual(
      [
        ...INPUTS.map((x) => `double(${x * x})`),
        ...INPUTS.map((x) => `square(${x})`),
        'sum(6)',
      ].sort(),
    )
    expect(first.summary).toEqual({ done: 13, cached: 0 })
    const second = await run(flow(INPUTS))
    expect(second).toEqual({
      result: 110,
      calls: [],
      summary: { done: 0, cached: 1 },
      warnings: [],
    })
  })

  test('one changed input reruns exactly the tasks that depend on it', async () => {
    await run(flow(INPUTS))
    const changed = [0, 1, 2, 30, 4, 5]
    const second = await run(flow(changed))
    // The five unchanged doubles are read from the cache, kept in the cluster's store, and
    // read there by the worker that sums.
    expect(second).toEqual({
      result: 2 * (0 + 1 + 4 + 900 + 16 + 25),
      calls: ['double(900)', 'square(30)', 'sum(6)'],
      summary: { done: 3, cached: 5 },
      warnings: [],
    })
    expect((await run(flow(changed))).calls).toEqual([])
  })

  test('a damaged entry is a miss with a warning, and the answer is right', async () => {
    const first = await run(flow(INPUTS))
    // Damage every entry: the run finds none it can believe, says so, and runs it all.
    const packs = join(cacheDir, 'packs')
    for (const pack of await readdir(packs)) await writeFile(join(packs, pack), 'garbage')
    const second = await run(flow(INPUTS))
    expect({ result: second.result, calls: second.calls }).toEqual({
      result: first.result,
      calls: first.calls,
    })
    // The first three named, the others counted.
    expect(second.warnings.length).toBeGreaterThan(0)
    for (const warning of second.warnings.slice(0, 3)) {
      expect(warning).toMatch(
        /cache entry .*: it is not a taskgraph cache entry .*: it is run again/,
      )
    }
    for (const warning of second.warnings.slice(3)) {
      expect(warning).toMatch(/^\d+ more cache entries in .* could not be read either/)
    }
    // And stored again, sound.
    expect((await run(flow(INPUTS))).calls).toEqual([])
  })

  test('Maps, Sets, BigInts, Dates and typed arrays come out of the cache as they went in', async () => {
    const expected = {
      map: new Map([[3, new Set([3n ** 40n])]]),
      date: new Date(3000),
      bytes: new Uint16Array([3, 4]),
    }
    const first = await run(echo(kinds(3)))
    expect({ result: first.result, calls: first.calls }).toEqual({
      result: expected,
      calls: ['echo', 'kinds(3)'],
    })
    // kinds(3) is read from the cache, and reaches echo's worker through Redis.
    const second = await run(echo(kinds(3)))
    expect({ result: second.result, calls: second.calls }).toEqual({
      result: expected,
      calls: ['echo'],
    })
  })

  // Made in a worker's thread, such a result reaches the driver as a plain object: the
  // copy is not what bare made, which protoless, fused after it, saw. Neither bare(1), a
  // step, nor bare(2), a call's result, is stored: a re-run computes what the first did.
  test('a cached result that a copy would change is not stored, says why, and the run goes on', async () => {
    const flow = (): unknown => gather([protoless(bare(1)), bare(2)])
    const first = await run(flow())
    expect(first).toMatchObject({
      result: [true, { x: 2 }],
      warnings: [expect.stringMatching(/^cache: the results of "bare" cannot be stored/)],
    })
    const second = await run(flow())
    expect(second).toMatchObject({
      result: [true, { x: 2 }],
      calls: ['bare(1)', 'bare(2)', 'protoless'],
      summary: { done: 4, cached: 0 },
    })
  })

  test('a cached result over the Redis limit goes through the shared directory; impure tasks run each time', async () => {
    const large = new ClusterExecutor(redis.url, {
      maxStoredBytes: 64 * 1024,
      store: pathToFileURL(shared).href,
    })
    try {
      // 80 KB of ones, cached; count is not cached, so it runs every time.
      const first = await run(count(ones(10_000)), large)
      expect(first).toMatchObject({ result: 10_000, calls: ['count(10000)', 'ones(10000)'] })
      const second = await run(count(ones(10_000)), large)
      expect(second).toEqual({
        result: 10_000,
        calls: ['count(10000)'],
        summary: { done: 1, cached: 1 },
        warnings: [],
      })
    } finally {
      await large.close()
    }
    // Nothing of either run is left in the shared directory.
    expect(await readdir(shared).catch(() => [])).toEqual([])
  })

  test('a run cancelled midway keeps what finished, and leaves nothing in Redis; the next runs the rest', async () => {
    const inputs = Array.from({ length: 12 }, (_, i) => i)
    const flow = (): unknown => sum(inputs.map((x) => slowSquare(x, 200)))
    await rm(log, { force: true })
    const stop = new AbortController()
    // 12 tasks of 200 ms on two workers: stopped once the driver has four results.
    let ended = 0
    const stopped = compute(flow(), {
      executor: cluster,
      cache: new TaskCache(cacheDir),
      signal: stop.signal,
      hooks: {
        onTaskEnd: () => {
          if (++ended === 4) setImmediate(() => stop.abort())
        },
      },
    })
    await expect(stopped).rejects.toBeInstanceOf(CancelledError)
    // Its jobs still running are stopped by their workers, at once.
    await eventually(async () => expect(await runKeys(redis)).toEqual([]), 5000)
    const before = (await readFile(log, 'utf8')).split('\n').filter(Boolean)
    const resumed = await run(flow())
    expect(resumed.result).toBe(inputs.reduce((total, x) => total + x * x, 0))
    // Each square ran over the two runs; the resumed run read those the cancelled one had
    // finished (four at least), and ran the others and the sum.
    const squares = [...before, ...resumed.calls].filter((call) => call !== 'sum(12)')
    expect(new Set(squares)).toEqual(new Set(inputs.map((x) => `slowSquare(${x})`)))
    const { cached, done } = resumed.summary
    expect(cached).toBeGreaterThanOrEqual(4)
    expect(done).toBe(12 - cached + 1)
  })

  test('a run cancelled while a job runs keeps the calls of that job that had finished', async () => {
    // A fresh driver, which has not learnt how long lateSquare takes: it packs it into a
    // job with quick squares, which end long before it does.
    const driver = new ClusterExecutor(redis.url)
    await driver.start()
    try {
      const inputs = Array.from({ length: 12 }, (_, i) => i)
      const flow = (ms: number): unknown =>
        sum([...inputs.map((x) => square(x)), lateSquare(99, ms)])
      await rm(log, { force: true })
      const stop = new AbortController()
      let ended = 0
      const stopped = compute(flow(60_000), {
        executor: driver,
        cache: new TaskCache(cacheDir, { store: 'all' }),
        signal: stop.signal,
        hooks: { onTaskEnd: () => void (++ended === inputs.length && stop.abort()) },
      })
      // Stopped once the driver has heard of every square; failing that, a while after
      // every square ran on the workers (the driver heard of some only with their job's end).
      const squaresRan = async (): Promise<boolean> =>
        (await readFile(log, 'utf8').catch(() => ''))
          .split('\n')
          .filter((call) => call.startsWith('square(')).length === inputs.length
      void eventually(async () => expect(await squaresRan()).toBe(true), 30_000).then(
        () => setTimeout(() => stop.abort(), 3000),
        () => stop.abort(),
      )
      await expect(stopped).rejects.toBeInstanceOf(CancelledError)
      await eventually(async () => expect(await runKeys(redis)).toEqual([]), 5000)
      const resumed = await run(flow(1), driver)
      expect(resumed.result).toBe(inputs.reduce((total, x) => total + x * x, 0) + 99 * 99)
      // Only the call cancelled while it ran, and the sum, ran again.
      expect(resumed.calls).toEqual(['lateSquare(99)', `sum(${inputs.length + 1})`])
    } finally {
      await driver.close()
    }
  })

  test('two runs at once on one directory both give the right answer', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => i)
    const expected = inputs.reduce((total, x) => total + 2 * x * x, 0)
    const cache = (): TaskCache => new TaskCache(cacheDir, { store: 'all' })
    const both = await Promise.all([
      compute(flow(inputs), { executor: cluster, cache: cache() }),
      compute(flow(inputs), { executor: cluster, cache: cache() }),
    ])
    expect(both).toEqual([[expected], [expected]])
    await eventually(async () => expect(await runKeys(redis)).toEqual([]), 2000)
    const third = await run(flow(inputs))
    expect(third).toMatchObject({ result: expected, calls: [], warnings: [] })
  })
})

// A cached step is fused into its consumer as any other: its result comes back for the
// cache beside the chain's. One too large for Redis, on a cluster with no shared
// directory, is left out: the run goes on as it would without a cache.
describe('a cache weighing what is not stored', () => {
  // slowOnes kept out of the cache (pure, cache: false): never stored, but what it costs
  // counts for what depends on it, so first's result, made in microseconds from 200 ms
  // of it, is worth keeping: a run that needs it again reads it and makes neither.
  const uncached = slowOnes.with({ pure: true, cache: false })

  test('in a chain: the step after it is kept', async () => {
    const made = await run(double(first(uncached(1000, 200))), cluster, redis, 'worthwhile')
    expect(made.calls).toEqual(['double(1)', 'slowOnes(1000)'])
    // slowOnes made again would say so.
    const again = await run(square(first(uncached(1000, 200))), cluster, redis, 'worthwhile')
    expect(again).toMatchObject({ result: 1, calls: ['square(1)'], warnings: [] })
  })

  test('ending a chain: its last task is kept', async () => {
    const value = first(uncached(1000, 200))
    const made = await run(sum([double(value), square(value)]), cluster, redis, 'worthwhile')
    expect(made.calls).toEqual(['double(1)', 'slowOnes(1000)', 'square(1)', 'sum(2)'])
    const again = await run(sum([first(uncached(1000, 200))]), cluster, redis, 'worthwhile')
    expect(again).toMatchObject({ result: 1, calls: ['sum(1)'], warnings: [] })
  })
})

describe('a step not worth keeping', () => {
  test('stays in its worker: the driver hears its time, not its result', async () => {
    const { cache, completed, passedOver } = judgingCache()
    // 800 KB, not worth keeping to judgingCache; 8 bytes, worth it.
    const array = ones(100_000)
    const few = ones(1)
    const results = await compute(total(array), total(few), { executor: cluster, cache })
    expect(results).toEqual([100_000, 1])
    expect([...passedOver.keys()]).toEqual([array.key])
    expect(passedOver.get(array.key)).toBeGreaterThanOrEqual(0)
    expect(completed.has(array.key)).toBe(false)
    expect(completed.get(few.key)).toEqual(new Float64Array(1).fill(1))
  })
})

describe('a cache on a cluster without a shared directory', () => {
  let server: RedisServer
  let worker: WorkerProcess
  let bare: ClusterExecutor

  beforeAll(async () => {
    server = await startRedis()
    worker = await startWorker(server.url, 'bare', { env: { TASK_LOG: log } })
    bare = new ClusterExecutor(server.url)
  })

  afterAll(async () => {
    await bare?.close()
    await stopWorkers(worker === undefined ? [] : [worker])
    await server?.stop()
  })

  test('a cached result over the Redis limit is not stored, says why, and the run goes on', async () => {
    // 1.6 MB of ones, over the 1 MiB a result may take in Redis.
    const first = await run(total(ones(200_000)), bare, server)
    expect(first).toEqual({
      result: 200_000,
      calls: ['ones(200000)', 'total(200000)'],
      summary: { done: 2, cached: 0 },
      warnings: [
        expect.stringMatching(
          /^cache: the results of "ones" cannot be stored, so they will run again: a result of \d+ bytes is more than the 1048576 bytes a result may take in Redis, and the cluster has no shared directory for larger ones \(--store on the driver and on every worker\)\.$/,
        ),
      ],
    })
    // The chain's own result was stored: the next run reads it and runs nothing.
    const second = await run(total(ones(200_000)), bare, server)
    expect(second).toEqual({
      result: 200_000,
      calls: [],
      summary: { done: 0, cached: 1 },
      warnings: [],
    })
  })

  // What it would cost to make again falls on what depends on it: first's result, made in
  // microseconds from 200 ms of slowOnes, is worth keeping, and a run that needs it again
  // reads it instead of making both again.
  test('what depends on a result that cannot be stored is kept, as worth what it stands for', async () => {
    const made = await run(double(first(slowOnes(200_000, 200))), bare, server, 'worthwhile')
    expect(made.calls).toEqual(['double(1)', 'slowOnes(200000)'])
    expect(made.warnings).toEqual([expect.stringMatching(/^cache: the results of "slowOnes"/)])
    // slowOnes made again would say so.
    const again = await run(square(first(slowOnes(200_000, 200))), bare, server, 'worthwhile')
    expect(again).toEqual({
      result: 1,
      calls: ['square(1)'],
      summary: { done: 1, cached: 1 },
      warnings: [],
    })
  })
})
