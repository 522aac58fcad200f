import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { InvalidOptionError, gather } from '@taskgraph/core'
import {
  AggregateTaskError,
  ExecutorClosedError,
  SerializationError,
  TaskError,
  TimeoutError,
  compute,
  type TaskRecord,
} from '@taskgraph/scheduler'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ClusterExecutor,
  ClusterInternalError,
  ClusterStoreError,
  ClusterWorker,
  ModuleRefusedError,
  ResultTooLargeError,
  WorkerNameInUseError,
} from '@taskgraph/cluster'
import { PACKAGE, startWorkers, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { eventually, runKeys, sleep } from './fault-checks.js'
import {
  add,
  big,
  boom,
  echoArgs,
  flaky,
  listOf,
  inc,
  length,
  pid,
  returnsGraph,
  sharedBytes,
  slow,
  spin,
  spoil,
  timedBusy,
  timedBusyAfter,
  total,
} from './fixtures/tasks.mjs'
import { later } from './fixtures/driver-only.mjs'
import { startRedis, type RedisServer } from './redis-server.js'

let redis: RedisServer
let workers: WorkerProcess[]
let cluster: ClusterExecutor
const shared = mkdtempSync(join(tmpdir(), 'taskgraph-store-'))

/**
 * Sends `tasks` calls that hold their thread for 10 minutes, from a driver of its own,
 * runs `check` while they run, then cancels them and closes the driver. Gives back the
 * cancelled run, to await (it rejects).
 */
async function whileLongTasksRun(
  tasks: number,
  check: () => Promise<void>,
): Promise<{ run: Promise<unknown> }> {
  const fresh = new ClusterExecutor(redis.url)
  const controller = new AbortController()
  // Tasks that hold their thread (an async one would let the next begin beside it).
  const run = compute(...Array.from({ length: tasks }, () => timedBusy(600_000)), {
    executor: fresh,
    signal: controller.signal,
  })
  run.catch(() => undefined)
  try {
    await check()
  } finally {
    controller.abort()
    await run.catch(() => undefined)
    await fresh.close()
  }
  return { run }
}

beforeAll(async () => {
  redis = await startRedis()
  workers = await startWorkers(redis.url, 2, 'w', {
    args: ['--store', pathToFileURL(shared).href],
  })
  cluster = new ClusterExecutor(redis.url)
  await cluster.start()
})

afterAll(async () => {
  await cluster?.close()
  await stopWorkers(workers ?? [])
  await redis?.stop()
  rmSync(shared, { recursive: true, force: true })
})

describe('a cluster of two workers', () => {
  test("lists its workers as the registry holds them, each with its process's memory", async () => {
    const listed = await cluster.workers()
    expect(listed.map(({ name, host, pid, threads }) => ({ name, host, pid, threads }))).toEqual(
      workers.map((worker) => ({
        name: worker.name,
        host: hostname(),
        pid: worker.pid,
        threads: 1,
      })),
    )
    // A Node process holds some megabytes, and fewer than a machine has.
    for (const { rss } of listed) expect(rss).toBeGreaterThan(10 * 2 ** 20)
    for (const { rss } of listed) expect(rss).toBeLessThan(2 ** 40)
  })

  test('computes a fan-out and its sum, tasks spread over both workers', async () => {
    const leaves = Array.from({ length: 2000 }, (_, i) => inc(i))
    expect(await total(leaves).compute({ executor: cluster })).toBe((2000 * 2001) / 2)
    // Jobs of hundreds of calls, and not a warning (one listener per job, not per call).
    for (const worker of workers) expect(worker.stderr()).not.toContain('warning')
    const pids = await compute(...Array.from({ length: 8 }, () => slow(pid(), 50)), {
      executor: cluster,
    })
    expect(new Set(pids)).toEqual(new Set(workers.map((worker) => worker.pid)))
  })

  // Jobs that come together, to idle workers: each takes one a thread, not two, so that two
  // long tasks do not run one after the other on one worker while the other idles.
  test('two long tasks sent together run side by side, one on each idle worker', async () => {
    // A driver of its own, which has not learned that spin runs long.
    const fresh = new ClusterExecutor(redis.url)
    try {
      const pids = await compute(spin(pid(), 1500), spin(pid(), 1500), { executor: fresh })
      expect(new Set(pids)).toEqual(new Set(workers.map((worker) => worker.pid)))
    } finally {
      await fresh.close()
    }
  })

  // Which worker wakes first is a race: this shows the rule itself. Three long tasks of
  // one job each: each idle worker holds one, the third waits in the queue, not behind a
  // running task in a worker (where another worker could not take it).
  test('three long tasks sent together: each idle worker holds one job, the third stays queued', async () => {
    // Idle as their records say (renewed every 2 s), so that what follows is this run's.
    await eventually(async () => {
      const listed = await cluster.workers()
      expect(listed.map(({ running, waiting }) => [running, waiting])).toEqual([
        [0, 0],
        [0, 0],
      ])
    }, 6000)
    await whileLongTasksRun(3, () =>
      eventually(async () => {
        const listed = await cluster.workers()
        expect(listed.map(({ running, waiting }) => [running, waiting])).toEqual([
          [1, 0],
          [1, 0],
        ])
      }, 6000),
    )
  })

  test('results under keys of any characters, holding any bytes, are stored and read back', async () => {
    // 3,600 ready at once: jobs of some 600 calls, each job's results stored together.
    const leaves = Array.from({ length: 3600 }, (_, i) =>
      listOf.with({ key: `ключ 🙂 ${i}` })(i, 'a\0b', new Uint8Array([0, 255, i % 256])),
    )
    const lists = await listOf(...leaves).compute({ executor: cluster })
    expect(lists).toHaveLength(3600)
    lists.forEach((list, i) => {
      expect(list).toEqual([i, 'a\0b', new Uint8Array([0, 255, i % 256])])
    })
  })

  test('linear chains, outputs, gather and nested arguments come out right', async () => {
    let chain = inc(0)
    for (let i = 0; i < 50; i++) chain = inc(chain)
    const a = inc(1)
    const [last, both, sum] = await compute(chain, gather(a, inc(a)), add(a, inc(a)), {
      executor: cluster,
    })
    expect([last, both, sum]).toEqual([51, [2, 3], 5])
    // 'a task'.length is 6, a plain value among the stored results.
    expect(
      await total([inc(1), { not: 'a task' }.not.length, inc(2)]).compute({ executor: cluster }),
    ).toBe(11)
  })

  test('cyclic and deep arguments cross beside stored results; too deep ones fail alone', async () => {
    const cyclic: unknown[] = [1, 2, 3]
    cyclic.push(cyclic)
    const nest = (levels: number): unknown => {
      let deep: unknown = 'bottom'
      for (let i = 0; i < levels; i++) deep = [deep]
      return deep
    }
    // The driver finds stored results by walking the arguments whole.
    const [cycle, nested] = await compute(length([cyclic, inc(0)]), length([nest(500), inc(0)]), {
      executor: cluster,
    })
    expect([cycle, nested]).toEqual([2, 2])
    // Deeper than V8's serializer goes: the same SerializationError as on a pool. Given
    // to a fused step, it is that step's own, as it would be unfused.
    const step = add(inc(8), nest(20_000) as never)
    const tooDeep = await compute(length([nest(20_000), inc(0)]), inc(1), step, {
      executor: cluster,
      failFast: false,
    }).catch((e: unknown) => e)
    expect(tooDeep).toBeInstanceOf(AggregateTaskError)
    const failures = (tooDeep as AggregateTaskError).errors
    expect(failures).toHaveLength(2)
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(SerializationError)
      expect(failure).toMatchObject({ valueType: 'data nested more than a thousand levels deep' })
    }
    expect(failures.map((failure) => failure.key)).toContain(step.key)
  })

  test('stored results reach a task wherever its arguments hold them', async () => {
    const [a, b, c] = [inc(1), inc(2), inc(3)]
    const list = [a, 'x', b]
    const [flat, shared, nested, keyed] = await compute(
      // Results in a list, and beside it (a fan-in's shape).
      echoArgs([a, 1, b, null], c, 'y'),
      // One list passed twice: it arrives as one list, as a copy keeps it.
      echoArgs(list, list),
      // Deeper: lists in lists, and a plain object.
      echoArgs([[a, [b]], [c]], { a, list: [b, c] }),
      // The same result twice in a list, and a list of results alone.
      echoArgs([a, a], [b, c]),
      { executor: cluster },
    )
    expect(flat).toEqual({ args: [[2, 1, 3, null], 4, 'y'], shared: false })
    expect(shared).toEqual({
      args: [
        [2, 'x', 3],
        [2, 'x', 3],
      ],
      shared: true,
    })
    expect(nested).toEqual({
      args: [[[2, [3]], [4]], { a: 2, list: [3, 4] }],
      shared: false,
    })
    expect(keyed).toEqual({
      args: [
        [2, 2],
        [3, 4],
      ],
      shared: false,
    })
  })

  test("a stored result that looks like the cluster's own markers arrives as it was", async () => {
    // Read by three tasks, so it is stored; it holds what a marker looks like on the wire.
    const lookalike = listOf({ 'taskgraph:stored': 'inc-1' }, 1)
    const [alone, inList, inObject] = await compute(
      echoArgs(lookalike, 'z'),
      echoArgs([lookalike, 2]),
      echoArgs({ value: lookalike }),
      { executor: cluster },
    )
    const value = [{ 'taskgraph:stored': 'inc-1' }, 1]
    expect(alone).toEqual({ args: [value, 'z'], shared: false })
    expect(inList).toEqual({ args: [[value, 2]], shared: false })
    expect(inObject).toEqual({ args: [{ value }], shared: false })
  })

  test('an argument a copy cannot carry fails its task alone, with SerializationError naming it', async () => {
    class Point {
      constructor(readonly x: number) {}
    }
    // A symbol among primitives, and a class instance: neither may cross unnoticed.
    // Beside stored results too, in a list with one. And a fused step's own argument:
    // its own task fails, as it would unfused, once the steps before it have run.
    const first = inc(7)
    const step = add(first, new Point(3) as never)
    const ended: [string, unknown][] = []
    const failed = await compute(
      add(1, Symbol('s') as never),
      length([new Point(1)] as never),
      inc(1),
      echoArgs([inc(5), Symbol('t')]),
      echoArgs([inc(6), new Point(2)]),
      step,
      {
        executor: cluster,
        failFast: false,
        hooks: {
          onTaskEnd: (task, outcome) =>
            ended.push([task.key, (outcome.error as SerializationError | undefined)?.code]),
        },
      },
    ).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(AggregateTaskError)
    const errors = (failed as AggregateTaskError).errors
    expect(errors).toHaveLength(5)
    for (const error of errors) expect(error).toBeInstanceOf(SerializationError)
    const messages = errors.map((error) => error.message).join('\n')
    expect(messages).toMatch(/args\[1\]/)
    expect(messages).toMatch(/args\[0\]\[0\]/)
    expect(messages).toMatch(/args\[0\]\[1\]/)
    expect(
      errors.find((error) => error.functionName === 'add' && error.key === step.key),
    ).toMatchObject({
      code: 'ERR_NOT_SERIALIZABLE',
      direction: 'argument',
      path: 'args[1]',
      valueType: 'an instance of Point',
    })
    expect(ended.filter(([key]) => key === first.key || key === step.key)).toEqual([
      [first.key, undefined],
      [step.key, 'ERR_NOT_SERIALIZABLE'],
    ])
  })

  // Read as the call was written, a getter that threw rejected the whole fused call with
  // its own error, named after the chain's first task, not as on a pool.
  test('an argument that throws when read fails its own task with SerializationError, fused or not', async () => {
    // An array with a property of its own goes as it is (a plain object is copied by the
    // call, which reads its getter then).
    const throwsOnRead = (): never =>
      Object.defineProperty([1], 'late', {
        enumerable: true,
        get(): never {
          throw new Error('unreadable')
        },
      }) as never
    const alone = echoArgs(throwsOnRead())
    const first = inc(9)
    const step = add(first, throwsOnRead())
    const ended: [string, unknown][] = []
    const failed = await compute(alone, step, {
      executor: cluster,
      failFast: false,
      hooks: {
        onTaskEnd: (task, outcome) =>
          ended.push([task.key, (outcome.error as SerializationError | undefined)?.code]),
      },
    }).catch((e: unknown) => e)
    expect(failed).toBeInstanceOf(AggregateTaskError)
    const errors = (failed as AggregateTaskError).errors
    for (const error of errors) expect(error).toBeInstanceOf(SerializationError)
    const thrown = { code: 'ERR_NOT_SERIALIZABLE', direction: 'argument' }
    expect(errors).toMatchObject([
      { ...thrown, key: alone.key, functionName: 'echoArgs', path: 'args[0].late' },
      { ...thrown, key: step.key, functionName: 'add', path: 'args[1].late' },
    ])
    expect(ended.filter(([key]) => key === first.key || key === step.key)).toEqual([
      [first.key, undefined],
      [step.key, 'ERR_NOT_SERIALIZABLE'],
    ])
  })

  // A chain runs as one call: a later step whose function its worker could not find was
  // refused with the whole call, named after the chain's first task, and none of it ran.
  test('a fused step whose function its worker cannot find fails as its own task, after the steps before it', async () => {
    const first = inc(1)
    const step = later(first)
    const ended: [string, unknown][] = []
    const error = await compute(inc(step), {
      executor: cluster,
      hooks: {
        onTaskEnd: (task, outcome) =>
          ended.push([task.key, (outcome.error as TaskError | undefined)?.cause]),
      },
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    expect(error).toMatchObject({ key: step.key, functionName: 'later' })
    expect((error as TaskError).cause).toBeInstanceOf(ModuleRefusedError)
    expect((error as TaskError).cause).toMatchObject({
      code: 'ERR_MODULE_REFUSED',
      module: 'test/fixtures/driver-only.mjs',
    })
    expect(ended.map(([key, cause]) => [key, cause === undefined])).toEqual([
      [first.key, true],
      [step.key, false],
    ])
  })

  test('an output a reply cannot carry (shared memory) fails its task with SerializationError', async () => {
    const error = await sharedBytes(8)
      .compute({ executor: cluster })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SerializationError)
    expect(error).toMatchObject({
      direction: 'result',
      valueType: 'an instance of SharedArrayBuffer',
    })
    // V8's reason sits inside the sentence, without a full stop of its own.
    expect((error as SerializationError).message).not.toMatch(/\.\./)
  })

  test("a worker's own failure reading a task's inputs fails the run with ClusterInternalError, its stack as cause", async () => {
    // `x`'s stored result is spoiled before `add` reads it (`add` needs two results: it
    // is not fused with `spoil`, which would hand `x` on in memory).
    const x = inc(1)
    const error = await add(x, spoil(redis.url, x))
      .compute({ executor: cluster })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClusterInternalError)
    const internal = error as ClusterInternalError
    expect(internal.code).toBe('ERR_CLUSTER_INTERNAL')
    expect(internal.key).toMatch(/^add-/)
    expect(['w1', 'w2']).toContain(internal.worker)
    // The worker's error, with its stack through the cluster's own code.
    expect(internal.cause).toBeInstanceOf(Error)
    expect((internal.cause as Error).stack).toMatch(/packages\/cluster\/(dist|src)\//)
  })

  test('a task that throws fails with the TaskError it has locally, the remote error as cause', async () => {
    const error = await boom('bad input')
      .compute({ executor: cluster })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TaskError)
    const taskError = error as TaskError
    expect(taskError.key).toMatch(/^boom-/)
    expect(taskError.message).toContain('function boom')
    expect(taskError.cause).toBeInstanceOf(Error)
    expect((taskError.cause as Error).message).toBe('bad input')
    // The stack is the worker's, through the fixture module.
    expect((taskError.cause as Error).stack).toContain('fixtures/tasks.mjs')
  })

  test('retries are honoured across workers, and keep-going reports every failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgraph-flaky-'))
    try {
      expect(await flaky(dir, 2).compute({ executor: cluster, retries: 2 })).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const run = compute(boom('one'), boom('two'), inc(1), { executor: cluster, failFast: false })
    const error = await run.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AggregateTaskError)
    expect((error as AggregateTaskError).errors).toHaveLength(2)
  })

  test('a timeout stops the task on its worker', async () => {
    const error = await slow(1, 10_000)
      .compute({ executor: cluster, timeout: 300 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
  })

  test('a result larger than the Redis limit goes to the shared directory, and is gone after', async () => {
    const large = new ClusterExecutor(redis.url, {
      maxStoredBytes: 64 * 1024,
      store: pathToFileURL(shared).href,
    })
    try {
      // 80 KB, over the limit; read by two tasks, so stored (one reader would be fused with it).
      const array = big(10_000)
      expect(await add(length(array), length(array)).compute({ executor: large })).toBe(20_000)
    } finally {
      await large.close()
    }
    expect(readdirSync(shared)).toEqual([])
  })

  test('a shared directory that cannot be written fails the run with ClusterStoreError saying why', async () => {
    const large = new ClusterExecutor(redis.url, {
      maxStoredBytes: 64 * 1024,
      store: pathToFileURL(shared).href,
    })
    // A file where the workers' directory was: they cannot make a run's folder in it.
    rmSync(shared, { recursive: true })
    writeFileSync(shared, '')
    try {
      const array = big(10_000)
      const error = await add(length(array), length(array))
        .compute({ executor: large })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClusterStoreError)
      expect((error as ClusterStoreError).full).toBe(false)
      expect((error as Error).message).toMatch(
        /^task "big-[^"]+": cluster worker w[12] could not read or store its data \(could not write to the shared directory .*: ENOTDIR: [^)]*\)\. The shared directory for large results failed: check that it is mounted and writable/,
      )
      // Named as the workers have it.
      expect((error as Error).message).toContain(`shared directory ${shared}: `)
    } finally {
      await large.close()
      rmSync(shared)
      mkdirSync(shared)
    }
  })

  // It failed as a result that could not be deserialized: Redis held only the mark of
  // a result kept in the shared directory, which this driver does not know.
  test("a large output in the workers' shared directory, on a driver given none: ClusterStoreError saying what to give it", async () => {
    const error = await compute(big(2 ** 17), { executor: cluster }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClusterStoreError)
    expect((error as Error).message).toMatch(
      /^task "big-[^"]+": its result, an output of the run, is in the shared directory of worker w[12], and this driver was given none: give the driver the workers' shared directory \(the ClusterExecutor's store option, --store on taskgraph run\), then run again\.$/,
    )
    expect(await runKeys(redis)).toEqual([])
  })

  test('without a shared directory, a result over the limit fails naming the task and the limit', async () => {
    // Another database of the same Redis: a cluster of its own, whose worker has no --store.
    const url = `${redis.url}/1`
    const [alone] = await startWorkers(url, 1, 'nostore')
    const small = new ClusterExecutor(url, { maxStoredBytes: 1000 })
    try {
      // Two readers: the result must be stored (a single reader would be fused with it).
      const array = big(1000)
      const error = await add(length(array), length(array))
        .compute({ executor: small })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TaskError)
      const cause = (error as TaskError).cause
      expect(cause).toBeInstanceOf(ResultTooLargeError)
      expect((cause as Error).message).toMatch(
        /task "big-[^"]+": its result is 8\d\d\d bytes, more than the 1000 bytes/,
      )
      // A driver given a shared directory the worker lacks: the fix is the worker's.
      const store = pathToFileURL(shared).href
      const stored = new ClusterExecutor(url, { maxStoredBytes: 1000, store })
      try {
        const other = big(1001)
        const error = await add(length(other), length(other))
          .compute({ executor: stored })
          .catch((e: unknown) => e)
        const cause = (error as TaskError).cause
        expect(cause).toBeInstanceOf(ResultTooLargeError)
        expect((cause as Error).message).toContain(
          `cluster worker nostore1 has no shared directory for larger ones. Start every worker with the driver's: taskgraph worker --store ${store}.`,
        )
      } finally {
        await stored.close()
      }
    } finally {
      await small.close()
      await stopWorkers([alone!])
    }
  })

  test('task records name the worker, its host and thread, and time each step there', async () => {
    const records: TaskRecord[] = []
    const hooks = { onTaskRecord: (record: TaskRecord) => records.push(record) }
    // A chain of three (fused into one call) and a failure.
    const chain = inc.with({ key: 'r3' })(inc.with({ key: 'r2' })(inc.with({ key: 'r1' })(1)))
    const failing = boom.with({ key: 'r-boom' })('recorded')
    await compute(chain, failing, { executor: cluster, hooks }).catch(() => undefined)
    const names = workers.map((worker) => worker.name)
    expect(records.map((record) => [record.key, record.status]).sort()).toEqual([
      ['r-boom', 'failed'],
      ['r1', 'done'],
      ['r2', 'done'],
      ['r3', 'done'],
    ])
    for (const record of records) {
      expect(record.executor).toBe('cluster')
      expect(record.worker).toMatchObject({ kind: 'cluster', host: hostname() })
      expect(names).toContain(record.worker.name)
      expect(workers.map((worker) => worker.pid)).toContain(record.worker.pid)
      expect(record.worker.threadId).toBeGreaterThan(0)
      expect(record.startedAt).toBeLessThanOrEqual(record.endedAt)
    }
    const steps = ['r1', 'r2', 'r3'].map((key) => records.find((record) => record.key === key)!)
    expect(steps[1]!.startedAt).toBeGreaterThanOrEqual(steps[0]!.endedAt)
    expect(steps[2]!.startedAt).toBeGreaterThanOrEqual(steps[1]!.endedAt)
    expect(String(records.find((record) => record.key === 'r-boom')!.error)).toContain('recorded')
  })

  // A worker tells of a call's start once it has run a moment (20 ms), and how long ago
  // it began: the hooks time the task from then, as its worker measured it.
  test('hooks time a task from when its worker began it, though they hear of it later', async () => {
    let hooked: number | undefined
    let heardAt: number | undefined
    let endedAt: number | undefined
    let record: TaskRecord | undefined
    await compute(spin(1, 300), {
      executor: cluster,
      hooks: {
        onTaskStart: () => (heardAt = performance.now()),
        onTaskEnd: (_task, outcome) => {
          endedAt = performance.now()
          hooked = outcome.durationMs
        },
        onTaskRecord: (recorded) => (record = recorded),
      },
    })
    const measured = record!.endedAt - record!.startedAt
    expect(measured).toBeGreaterThanOrEqual(299)
    // The driver hears of the start at least 20 ms after it was (the worker's notice waits
    // that long), and dates it back by as long as the worker says: the start the hooks
    // time from is that much before they heard of it, not when they heard of it. (Checked
    // against the moment heard, not against the worker's own duration: what is left of the
    // difference is the notice's way to the driver, which a loaded machine stretches.)
    expect(heardAt! - (endedAt! - hooked!)).toBeGreaterThanOrEqual(18)
    // Its end is heard a moment after it was.
    expect(hooked).toBeLessThan(measured + 200)
    // A task over before it is told of is timed by how long it held its thread.
    await compute(spin(2, 8), {
      executor: cluster,
      hooks: { onTaskEnd: (_task, outcome) => (hooked = outcome.durationMs) },
    })
    expect(hooked).toBeGreaterThanOrEqual(7)
  })

  // Each worker's thread busy 200 ms with a root of the step `s`; roots `x1` and `x2` come
  // after `s` in priority. A driver that sent them as jobs at once would have each worker
  // take one to run after its root, and `s` would wait for both.
  test('runs a step made ready before the long tasks that come after it in priority', async () => {
    // A first run times the function: calls of unknown cost are not held back (an async
    // function's calls overlap in a worker).
    await compute(timedBusy(50), { executor: cluster })
    const busy = (key: string) => timedBusy.with({ key })(200)
    const s = timedBusyAfter.with({ key: 's' })(200, busy('a'), busy('b'))
    const [step, x1, x2] = await compute(s, busy('x1'), busy('x2'), { executor: cluster })
    expect(step.start).toBeLessThan(x2.start)
    expect(x1.start).toBeLessThan(x2.start)
  })

  test("runs one after another keep the workers' threads (a job held open at a run's end runs nothing)", async () => {
    const unfused = new ClusterExecutor(redis.url, { fuse: false })
    const threads = new Map<number, Set<number>>()
    const hooks = {
      onTaskRecord: ({ worker }: TaskRecord) => {
        if (worker.pid === undefined || worker.threadId === undefined) return
        threads.set(worker.pid, (threads.get(worker.pid) ?? new Set()).add(worker.threadId))
      },
    }
    try {
      for (let run = 0; run < 4; run++) {
        let value = inc(run)
        for (let i = 0; i < 30; i++) value = inc(value)
        expect(await value.compute({ executor: unfused, hooks })).toBe(run + 31)
        // Its last job, held open when the run settled, is gone already.
        expect(await runKeys(redis)).toEqual([])
      }
    } finally {
      await unfused.close()
    }
    // One thread each, the same all along: a run that ended with a job held open did
    // not have its worker replace its pool.
    expect(threads.size).toBeGreaterThan(0)
    for (const ids of threads.values()) expect(ids.size).toBe(1)
    // A job held open for many batches listens once on its signal: past ten listeners,
    // Node warned of a leak.
    for (const worker of workers) expect(worker.stderr()).not.toContain('warning')
  })

  test("a chain's results leave Redis as their consumers end, as locally", async () => {
    const unfused = new ClusterExecutor(redis.url, { fuse: false })
    const client = new Redis(redis.url)
    let value = inc(0)
    for (let i = 0; i < 25; i++) value = slow(value, 20)
    // The most results the run held in Redis at once, looked at while it runs.
    let most = 0
    let running = true
    const watching = (async () => {
      while (running) {
        const [hash] = await client.keys('tg:run:*:results')
        if (hash !== undefined) most = Math.max(most, await client.hlen(hash))
        await sleep(5)
      }
    })()
    try {
      expect(await value.compute({ executor: unfused })).toBe(1)
    } finally {
      running = false
      await watching
      client.disconnect()
      await unfused.close()
    }
    // Each result goes once the next task has run: never more than two or three at once
    // (all 26 if none were dropped).
    expect(most).toBeGreaterThan(0)
    expect(most).toBeLessThanOrEqual(3)
  })

  test('two runs share one executor, and neither leaves a key behind', async () => {
    const [first, second] = await Promise.all([
      total(Array.from({ length: 500 }, (_, i) => inc(i))).compute({ executor: cluster }),
      total(Array.from({ length: 500 }, (_, i) => inc(i + 1))).compute({ executor: cluster }),
    ])
    expect([first, second]).toEqual([125_250, 125_750])
    // Checked as soon as the runs settle: a run ends once its jobs are gone, held ones too.
    expect(await runKeys(redis)).toEqual([])
    await boom('x')
      .compute({ executor: cluster })
      .catch(() => undefined)
    expect(await runKeys(redis)).toEqual([])
  })

  test('a run cancelled with an AbortSignal rejects within 2 s and leaves nothing queued', async () => {
    const controller = new AbortController()
    // Tasks of ten minutes: that the next run completes at all shows they were stopped.
    const run = compute(...Array.from({ length: 20 }, (_, i) => slow(i, 600_000)), {
      executor: cluster,
      signal: controller.signal,
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    const cancelledAt = performance.now()
    controller.abort()
    await expect(run).rejects.toThrow(/cancel/i)
    expect(performance.now() - cancelledAt).toBeLessThan(2000)
    // Running jobs are stopped by their workers, at once.
    await eventually(async () => expect(await runKeys(redis)).toEqual([]), 2000)
    // The workers are free: a new run does not wait for the cancelled tasks.
    expect(await inc(1).compute({ executor: cluster })).toBe(2)
  })

  test('lists what runs on each worker, and what waits in it for a thread', async () => {
    // A driver of its own, which has not learned that timedBusy runs long (earlier tests
    // ran it on `cluster`): it sends a function's first calls as short ones, two jobs per
    // thread, so some wait.
    const { run } = await whileLongTasksRun(20, () =>
      // As of each worker's next heartbeat (every 2 s): one task on its one thread, and
      // the other tasks of the jobs it holds waiting.
      eventually(async () => {
        const listed = await cluster.workers()
        expect(listed.map(({ running }) => running)).toEqual([1, 1])
        for (const { waiting } of listed) expect(waiting).toBeGreaterThan(0)
      }, 6000),
    )
    await expect(run).rejects.toThrow(/cancel/i)
    await eventually(async () => {
      const listed = await cluster.workers()
      expect(listed.map(({ running, waiting }) => [running, waiting])).toEqual([
        [0, 0],
        [0, 0],
      ])
    }, 6000)
  })

  test('a run on a cluster without workers says so, and completes once a worker comes', async () => {
    const url = `${redis.url}/2`
    const warnings: string[] = []
    const listen = (warning: Error & { code?: string }): void => {
      if (warning.code === 'TASKGRAPH_CLUSTER_NO_WORKERS') warnings.push(warning.message)
    }
    process.on('warning', listen)
    const lonely = new ClusterExecutor(url)
    let late: WorkerProcess[] = []
    try {
      const run = inc(41).compute({ executor: lonely })
      await eventually(() => expect(warnings).toHaveLength(1), 5000)
      expect(warnings[0]).toContain(`no cluster workers are connected to ${url}`)
      late = await startWorkers(url, 1, 'late')
      expect(await run).toBe(42)
    } finally {
      process.off('warning', listen)
      await lonely.close()
      await stopWorkers(late)
    }
  })

  test('a program that embeds a worker exits once it has closed it', async () => {
    const program = `
      import { ClusterWorker } from '@taskgraph/cluster'
      const worker = await ClusterWorker.start(process.argv[1], { threads: 1, name: 'embedded' })
      await worker.close()
    `
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', program, `${redis.url}/3`],
      {
        cwd: PACKAGE,
        stdio: 'inherit',
      },
    )
    const exited = new Promise((resolve) => child.once('exit', resolve))
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    try {
      // Killed after 15 s, it would end with null: only exiting by itself gives 0.
      expect(await exited).toBe(0)
    } finally {
      clearTimeout(timer)
    }
  })

  // Containers may share a host name (host networking) but not process ids: a live
  // worker of another one looked dead here, and its name was taken over.
  test('a name held by a process of this host name this one cannot see is not taken over', async () => {
    const admin = new Redis(redis.url)
    try {
      // A process id above any Linux gives (pid_max is at most 2^22), of another namespace.
      const pid = 2 ** 22 + 1
      const claim = { id: 'elsewhere', host: hostname(), pid, space: 'pid:[1]' }
      await admin.set('tg:name:next-door', JSON.stringify(claim), 'PX', 6000)
      const error = await ClusterWorker.start(redis.url, { name: 'next-door', threads: 1 }).catch(
        (e: unknown) => e,
      )
      if (error instanceof ClusterWorker) await error.close()
      expect(error).toBeInstanceOf(WorkerNameInUseError)
      expect(error).toMatchObject({ host: hostname(), pid })
    } finally {
      await admin.del('tg:name:next-door')
      admin.disconnect()
    }
  })

  // A Redis restarted without persistence forgets the claims, and a worker stopped for
  // longer than its claim lives loses its own: another may start with its name meanwhile.
  test('a worker whose name another took while its claim had lapsed warns', async () => {
    const admin = new Redis(redis.url)
    const warnings: string[] = []
    const listen = (warning: Error & { code?: string }): void => {
      if (warning.code === 'TASKGRAPH_CLUSTER_NAME_TAKEN') warnings.push(warning.message)
    }
    process.on('warning', listen)
    const worker = await ClusterWorker.start(redis.url, { name: 'taken-over', threads: 1 })
    try {
      // The claim as another worker starting under the name would have made it.
      const claim = { id: 'later', host: 'elsewhere', pid: 4321 }
      await admin.set('tg:name:taken-over', JSON.stringify(claim), 'PX', 6000)
      // Told at its next heartbeat (every 2 s).
      await eventually(() => expect(warnings).toHaveLength(1), 5000)
      expect(warnings[0]).toContain('host elsewhere (pid 4321)')
      // Its claim stays the other worker's.
      expect(JSON.parse((await admin.get('tg:name:taken-over'))!)).toEqual(claim)
    } finally {
      process.off('warning', listen)
      await worker.close()
      admin.disconnect()
    }
  })

  test("a task's module is imported by its worker's threads, never by the worker's main thread", async () => {
    const log = new URL('./fixtures/imported-where.log', import.meta.url)
    rmSync(log, { force: true })
    try {
      const { where } = await import('./fixtures/imported-where.mjs')
      expect(await total([where(1), where(2), where(3)]).compute({ executor: cluster })).toBe(6)
      const pids = new Set(workers.map((worker) => String(worker.pid)))
      const imports = readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([pid]) => pids.has(pid!))
      expect(imports.length).toBeGreaterThan(0)
      // A main thread's id is 0: the thread that renews the worker's leases ran none of it.
      for (const [, thread] of imports) expect(thread).not.toBe('0')
    } finally {
      rmSync(log, { force: true })
    }
  })

  test('a task that returns a graph has its graph run by the driver on the workers', async () => {
    expect(await returnsGraph(41).compute({ executor: cluster })).toBe(42)
    // A worker removes a job just after replying to it: at once, but not before the reply.
    await eventually(async () => expect(await runKeys(redis)).toEqual([]), 2000)
  })

  test("a worker's calls never wait for its main thread's imports; a returned graph does, readied once", async () => {
    const url = `${redis.url}/4`
    let prepared = 0
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    // Resolves although its imports are not ready: they get ready while it waits for work.
    const worker = await ClusterWorker.start(url, {
      threads: 1,
      name: 'prepared',
      root: PACKAGE,
      prepareImports: () => {
        prepared++
        return gate
      },
    })
    const own = new ClusterExecutor(url, { root: PACKAGE })
    try {
      // Its threads import the tasks' modules: the main thread's readiness is not awaited,
      // nor even begun.
      expect(await inc(1).compute({ executor: own })).toBe(2)
      expect(prepared).toBe(0)
      // A graph a task returns is made again on the main thread, importing its modules.
      let settled = false
      const run = returnsGraph(41)
        .compute({ executor: own })
        .finally(() => (settled = true))
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(settled).toBe(false)
      release()
      expect(await run).toBe(42)
      expect(await returnsGraph(1).compute({ executor: own })).toBe(2)
      expect(prepared).toBe(1)
    } finally {
      release()
      await own.close()
      await worker.close()
    }
    await expect(ClusterWorker.start(url, { prepareImports: 'tsx' as never })).rejects.toThrow(
      InvalidOptionError,
    )
  })

  test('an executor declared with `await using` is closed as its block ends', async () => {
    let outside: ClusterExecutor
    {
      await using scoped = new ClusterExecutor(redis.url)
      outside = scoped
      expect(await inc(1).compute({ executor: scoped })).toBe(2)
    }
    const run = inc(2).compute({ executor: outside })
    expect(await run.catch((e: unknown) => e)).toBeInstanceOf(ExecutorClosedError)
  })

  test('closing the executor mid-run rejects the run with ExecutorClosedError', async () => {
    const closing = new ClusterExecutor(redis.url)
    const run = slow(1, 3000)
      .compute({ executor: closing })
      .catch((e: unknown) => e)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await closing.close()
    expect(await run).toBeInstanceOf(ExecutorClosedError)
    await eventually(async () => expect(await runKeys(redis)).toEqual([]), 2000)
  })
})
