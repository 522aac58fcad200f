// What runs do when Redis fails under them: not reachable at start, restarted empty
// mid-run, down for longer than the executor waits (and a worker stopped meanwhile), full
// (at its maxmemory), down for longer than a worker waits, restarted requiring a
// password, refusing a transaction whole, stopped (answering nothing) (driver-faults.test.ts: a driver suspended or killed mid-run). A real redis-server and
// real `taskgraph worker` processes per test.
import { mkdirSync, readdirSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { InvalidOptionError } from '@taskgraph/core'
import { CancelledError, ExecutorClosedError, compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import {
  ClusterConnectionError,
  ClusterExecutor,
  ClusterStoreError,
  ClusterUnreachableError,
  ClusterWorker,
  WorkerNameInUseError,
  clusterStatus,
} from '@taskgraph/cluster'
import { refusedRequest } from '../src/redis-refusals.js'
import { PACKAGE, startWorker, startWorkers } from './cluster-workers.js'
import type { TestCluster } from './fault-checks.js'
import { clusterPerTest, eventually, failure, readTraces, runKeys, sleep } from './fault-checks.js'
import { step } from './fixtures/fault-tasks.mjs'
import { big, inc, length, listOf, total } from './fixtures/tasks.mjs'
import { freePort, startRedis } from './redis-server.js'

const clusters = clusterPerTest()

describe('Redis unreachable', () => {
  test('at start: start() and compute() reject with ClusterUnreachableError, within seconds', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    const started = performance.now()
    const first = new ClusterExecutor(url)
    const error = await first.start().catch((e: unknown) => e)
    await first.close()
    expect(error).toBeInstanceOf(ClusterUnreachableError)
    expect((error as ClusterUnreachableError).code).toBe('ERR_CLUSTER_UNREACHABLE')
    expect(performance.now() - started).toBeLessThan(5000)
    // Not started first: the run starts it, and fails as promptly.
    const second = new ClusterExecutor(url)
    try {
      const { error: runError, ms } = await failure(
        total([inc(1), inc(2)]).compute({ executor: second }),
      )
      expect(runError).toBeInstanceOf(ClusterUnreachableError)
      expect(ms).toBeLessThan(5000)
    } finally {
      await second.close()
    }
  })

  test('lost as the executor starts, after its PING: start() rejects with ClusterUnreachableError, and close() ends', async () => {
    const redis = await startRedis()
    const proxy = await dropAfterPing(redis.port)
    const executor = new ClusterExecutor(proxy.url)
    try {
      const error = await executor.start().catch((e: unknown) => e)
      expect(proxy.dropped()).toBe(true)
      expect(error).toBeInstanceOf(ClusterUnreachableError)
      // It had disconnected already: closing it must not wait for BullMQ's queue, whose
      // first commands failed (it waited for ever, and a program awaiting it ended with
      // nothing left to run: Node's exit 13).
      await executor.close()
    } finally {
      proxy.close()
      await redis.stop()
    }
  })

  // The run waited for the connect timeout (3 s) before it rejected, and so did close():
  // a Ctrl-C took longer than the 2 s a cancelled run may.
  test('at a server that never answers: a cancelled run rejects at once, and close() ends at once', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', listening))
    const { port } = silent.address() as { port: number }
    const executor = new ClusterExecutor(`redis://127.0.0.1:${port}`)
    try {
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 200)
      const { error, ms } = await failure(compute(inc(1), { executor, signal: controller.signal }))
      expect(error).toBeInstanceOf(CancelledError)
      expect(ms).toBeLessThan(2000)
      const closing = performance.now()
      await executor.close()
      expect(performance.now() - closing).toBeLessThan(2000)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })

  // Redis is up: it was told to be started there.
  test('at a database Redis does not have: ClusterUnreachableError saying so', async () => {
    const cluster = await clusters.start()
    const executor = new ClusterExecutor(`${cluster.url}/99`)
    try {
      const error = await executor.start().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClusterUnreachableError)
      expect((error as Error).message).toMatch(
        /Redis is up there, but has no database of the number/,
      )
    } finally {
      await executor.close()
    }
  })

  // It was told to start redis-server there, with ioredis's "Please report this.".
  test('at a port where something else answers: ClusterUnreachableError saying it is not Redis', async () => {
    const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'))
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
    const { port } = http.address() as { port: number }
    const executor = new ClusterExecutor(`redis://127.0.0.1:${port}`)
    try {
      const error = await executor.start().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClusterUnreachableError)
      expect((error as Error).message).toMatch(/not Redis/)
      expect((error as Error).message).not.toMatch(/report this/)
    } finally {
      await executor.close()
      http.close()
    }
  })

  test('at a rediss:// URL: the message says a rediss:// URL needs a Redis that takes TLS', async () => {
    const cluster = new ClusterExecutor(`rediss://127.0.0.1:${await freePort()}`)
    try {
      await expect(cluster.start()).rejects.toThrow(
        /Start redis-server there, or give the right URL \(--cluster or TASKGRAPH_CLUSTER\)\. A rediss:\/\/ URL needs a Redis that takes TLS on that port/,
      )
    } finally {
      await cluster.close()
    }
  })

  // A worker's start opens three connections, a driver's two: those that got in stayed
  // open, and kept the program alive (a worker's with no worker to close); the fix told
  // to start redis-server.
  test("at its maxclients: a worker's and a driver's start fail with ClusterUnreachableError saying so, and leave no connection open", async () => {
    const cluster = await clusters.start(['--maxclients', '3'])
    // This one and another leave one slot: one of the worker's connections gets in.
    const admin = new Redis(cluster.url)
    const other = new Redis(cluster.url)
    try {
      await Promise.all([admin.ping(), other.ping()])
      const error = await ClusterWorker.start(cluster.url, { threads: 1 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClusterUnreachableError)
      expect((error as Error).message).toMatch(/maxclients/)
      const onlyOurs = async (): Promise<void> => {
        const clients = (await admin.client('LIST')) as string
        expect(clients.trim().split('\n')).toHaveLength(2)
      }
      await eventually(onlyOurs, 3000)
      const executor = new ClusterExecutor(cluster.url)
      const refused = await executor.start().catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ClusterUnreachableError)
      expect((refused as Error).message).toMatch(/maxclients/)
      await eventually(onlyOurs, 3000)
      await executor.close()
      // Started after it was closed, it connected, and its connections kept the program
      // alive with no executor left to close them.
      const closed = new ClusterExecutor(cluster.url)
      await closed.close()
      await closed.start()
      await expect(closed.workers()).rejects.toBeInstanceOf(ExecutorClosedError)
      await sleep(300)
      await onlyOurs()
    } finally {
      admin.disconnect()
      other.disconnect()
    }
  })
})

describe('Redis failing mid-run', () => {
  test('restarted empty: the run fails with ClusterConnectionError, and the workers serve the next run', async () => {
    const cluster = await clusters.withWorkers(2)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    const run = compute(...Array.from({ length: 6 }, (_, i) => step(cluster.dir, i, 2000)), {
      executor,
    })
    await eventually(
      () => expect(readTraces(cluster.dir).started.size).toBeGreaterThanOrEqual(2),
      10_000,
    )
    // Watched from now on: the run may fail while Redis is still restarting.
    const failed = failure(run)
    await cluster.redis.restart()
    const { error, ms } = await failed
    expect(error).toBeInstanceOf(ClusterConnectionError)
    expect((error as ClusterConnectionError).code).toBe('ERR_CLUSTER_CONNECTION')
    // The one wording checked: the issue asks that the message say what was lost.
    expect((error as Error).message).toMatch(/without the run's state/)
    expect(ms).toBeLessThan(20_000)
    // The same workers (back in Redis's registry) and the same executor take the next run.
    await eventually(async () => expect(await clusterStatus(cluster.url)).toHaveLength(2), 10_000)
    const next = compute(...Array.from({ length: 4 }, () => inc(1)), total([inc(1), inc(2)]), {
      executor,
    })
    expect(await next).toEqual([2, 2, 2, 2, 5])
  })

  // Redis forgot the list of runs with them: the workers ran the lost run's tasks to
  // their end, holding their threads from the next run.
  test("restarted empty: the workers stop the lost run's tasks, and the next run need not wait for them", async () => {
    const cluster = await clusters.withWorkers(2)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    const run = compute(step(cluster.dir, 0, 60_000), step(cluster.dir, 1, 60_000), { executor })
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(2), 10_000)
    const failed = failure(run)
    await cluster.redis.restart()
    expect((await failed).error).toBeInstanceOf(ClusterConnectionError)
    await eventually(async () => {
      const workers = await clusterStatus(cluster.url)
      expect(workers.map((worker) => worker.running)).toEqual([0, 0])
    }, 15_000)
    const next = performance.now()
    expect(await compute(inc(1), { executor })).toEqual([2])
    expect(performance.now() - next).toBeLessThan(15_000)
    expect(readTraces(cluster.dir).ended.size).toBe(0)
  })

  // Redis forgets the workers' claims on their names: a worker reconnected took its own
  // again only at its next heartbeat, up to 2 s later, and one started under its name
  // meanwhile got it.
  test('restarted empty: a worker claims its name again as it reconnects; one started under it then is refused', async () => {
    const cluster = await clusters.start()
    const [held] = cluster.track(await startWorker(cluster.url, 'held'))
    await cluster.redis.restart()
    await eventually(
      () => expect(held!.stderr()).toMatch(/held connected to Redis at .* again/),
      10_000,
    )
    const error = await ClusterWorker.start(cluster.url, {
      name: 'held',
      threads: 1,
      root: PACKAGE,
    }).then(
      async (worker) => {
        await worker.close()
        return worker
      },
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(WorkerNameInUseError)
    expect(error).toMatchObject({ worker: 'held', pid: held!.pid })
    expect(held!.stderr()).not.toContain('TASKGRAPH_CLUSTER_NAME_TAKEN')
  })

  // Its first requests went out at once, and failed within a second (ioredis gives up on
  // a request after one reconnection): reconnectTimeout held only for runs already on.
  test('down as a long-lived executor begins a run: the run waits for it, and completes', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(
      new ClusterExecutor(cluster.url, { reconnectTimeout: 20_000 }),
    )
    expect(await compute(inc(1), { executor })).toEqual([2])
    await cluster.redis.stop()
    await sleep(500)
    const run = compute(total([inc(2), inc(3)]), { executor })
    await sleep(2000)
    await cluster.redis.start()
    expect(await run).toEqual([7])
  })

  test('down longer than reconnectTimeout: the run fails with ClusterConnectionError', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url, { reconnectTimeout: 2000 }))
    const run = step(cluster.dir, 0, 5000).compute({ executor })
    await eventually(
      () => expect(readTraces(cluster.dir).started.size).toBeGreaterThanOrEqual(1),
      10_000,
    )
    const failed = failure(run)
    await cluster.redis.stop()
    const { error, ms } = await failed
    expect(error).toBeInstanceOf(ClusterConnectionError)
    expect(ms).toBeLessThan(2000 + 5000)
    // Back (empty), so that the workers can hand back and stop as they do on a live cluster.
    await cluster.redis.start()
  })

  test('stopped (SIGSTOP), answering nothing on open connections: the run fails with ClusterConnectionError after reconnectTimeout, and close() ends while it stays stopped', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url, { reconnectTimeout: 2000 }))
    const run = step(cluster.dir, 0, 30_000).compute({ executor })
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 10_000)
    // No dropped connection: the run waited for as long as Redis stayed silent.
    cluster.redis.signal('SIGSTOP')
    try {
      const { error } = await failure(run)
      expect(error).toBeInstanceOf(ClusterConnectionError)
      expect((error as Error).message).toMatch(
        /^cluster executor: Redis at \S+ has not answered for 2000 ms, though the connection to it is open \(it is stopped or overloaded, or the network to it is cut\)/,
      )
      await executor.close()
    } finally {
      cluster.redis.signal('SIGCONT')
    }
    // What the run left goes once its record lapses, at a worker's next sweep.
    await eventually(async () => expect(await runKeys(cluster.redis)).toEqual([]), 40_000)
  }, 90_000)

  // Its end waited for the removal (2 s), then for its jobs to leave Redis (1 s), then
  // close() for the queue (2 s): Ctrl-C on taskgraph run took 5 s to exit.
  test('stopped (SIGSTOP) mid-run: a cancelled run settles, and close() ends, within 2 s together', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    const controller = new AbortController()
    const run = step(cluster.dir, 0, 30_000).compute({ executor, signal: controller.signal })
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 10_000)
    cluster.redis.signal('SIGSTOP')
    try {
      const cancelledAt = performance.now()
      controller.abort()
      const { error } = await failure(run)
      expect(error).toBeInstanceOf(CancelledError)
      await executor.close()
      expect(performance.now() - cancelledAt).toBeLessThan(2000)
    } finally {
      cluster.redis.signal('SIGCONT')
    }
    await eventually(async () => expect(await runKeys(cluster.redis)).toEqual([]), 40_000)
  }, 90_000)

  test('a worker stopped while Redis is down exits 0 within seconds', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url, { reconnectTimeout: 2000 }))
    const run = step(cluster.dir, 0, 5000)
      .compute({ executor })
      .catch((e: unknown) => e)
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 10_000)
    await cluster.redis.stop()
    const [worker] = cluster.workers
    worker!.child.kill('SIGTERM')
    const signalledAt = performance.now()
    expect(await worker!.exited).toBe(0)
    // Not waiting for Redis for ever: a few seconds to hand back, then it stops.
    expect(performance.now() - signalledAt).toBeLessThan(8000)
    expect(await run).toBeInstanceOf(ClusterConnectionError)
    await cluster.redis.start()
  })

  test('a worker stopped long after Redis went away exits at once: the wait counts from the drop', async () => {
    const cluster = await clusters.withWorkers(1)
    await cluster.redis.stop()
    // Past the 3 s a stopping worker gives Redis to come back and take its calls.
    await sleep(3500)
    const [worker] = cluster.workers
    worker!.child.kill('SIGTERM')
    const signalledAt = performance.now()
    expect(await worker!.exited).toBe(0)
    expect(performance.now() - signalledAt).toBeLessThan(2000)
    await cluster.redis.start()
  })
})

describe('a worker whose Redis stays away', () => {
  test('stops after --reconnect-timeout with exit code 5 and one line; 0 waits for ever', async () => {
    const cluster = await clusters.start()
    const [leaving] = cluster.track(
      await startWorker(cluster.url, 'leaving', { args: ['--reconnect-timeout', '1500'] }),
    )
    const [staying] = cluster.track(
      await startWorker(cluster.url, 'staying', { args: ['--reconnect-timeout', '0'] }),
    )
    await cluster.redis.stop()
    const stoppedAt = performance.now()
    expect(await leaving!.exited).toBe(5)
    const ms = performance.now() - stoppedAt
    expect(ms).toBeGreaterThanOrEqual(1500)
    // Not waiting to hand back what it holds to a Redis it has given up on.
    expect(ms).toBeLessThan(1500 + 5000)
    const lines = leaving!.stderr().trim().split('\n')
    expect(lines.at(-1)).toMatch(
      /^taskgraph: error: ClusterConnectionError: taskgraph worker leaving: the connection to Redis at redis:\/\/127\.0\.0\.1:\d+\/? has been down for 1500 ms, so it stopped\./,
    )
    // It said so as the connection dropped: it said nothing while it waited.
    expect(lines.at(-2)).toMatch(
      /^taskgraph: warning \[TASKGRAPH_CLUSTER_CONNECTION\]: taskgraph worker leaving lost its connection to Redis at .*: reconnecting; it stops if Redis stays away 1500 ms/,
    )
    await sleep(2000)
    expect(staying!.child.exitCode).toBeNull()
    expect(staying!.stderr()).toContain('lost its connection to Redis')
    expect(staying!.stderr()).toContain('it waits for ever')
    // Back (empty): the one that waited serves runs again, and says it is back.
    await cluster.redis.start()
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    expect(await total([inc(1), inc(2)]).compute({ executor })).toBe(5)
    expect((await clusterStatus(cluster.url)).map((worker) => worker.name)).toEqual(['staying'])
    await eventually(
      () =>
        expect(staying!.stderr()).toMatch(
          /staying connected to Redis at .* again, after \d+\.\d s/,
        ),
      5000,
    )
  })

  test('stopped (SIGSTOP), answering nothing on open connections: it stops with exit code 5 as if it were down, and so does one told to stop meanwhile', async () => {
    const cluster = await clusters.start()
    const [silent, told] = cluster.track(
      await startWorker(cluster.url, 'silent', { args: ['--reconnect-timeout', '1500'] }),
      await startWorker(cluster.url, 'told', { args: ['--reconnect-timeout', '1500'] }),
    )
    // No dropped connection: both waited for as long as Redis stayed silent.
    cluster.redis.signal('SIGSTOP')
    try {
      told!.child.kill('SIGTERM')
      expect(await told!.exited).toBe(0)
      expect(await silent!.exited).toBe(5)
    } finally {
      cluster.redis.signal('SIGCONT')
    }
    expect(silent!.stderr().trim().split('\n').at(-1)).toMatch(
      /^taskgraph: error: ClusterConnectionError: taskgraph worker silent: the connection to Redis at \S+ has been down for 1500 ms, so it stopped\./,
    )
  })

  test('lost while it starts: start() rejects with ClusterConnectionError, not waiting for its threads', async () => {
    const cluster = await clusters.start()
    const starting = ClusterWorker.start(cluster.url, {
      threads: 1,
      root: PACKAGE,
      reconnectTimeout: 500,
      preload: [new URL('fixtures/slow-preload.mjs', import.meta.url).href],
    })
    await sleep(300)
    await cluster.redis.stop()
    const stoppedAt = performance.now()
    const error = await starting.then(
      () => new Error('the start resolved'),
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ClusterConnectionError)
    expect(performance.now() - stoppedAt).toBeLessThan(2500)
    await cluster.redis.start()
  })

  test('ClusterWorker: finished rejects with ClusterConnectionError; the option is checked', async () => {
    const cluster = await clusters.start()
    const worker = await ClusterWorker.start(cluster.url, {
      threads: 1,
      root: PACKAGE,
      reconnectTimeout: 1000,
    })
    await cluster.redis.stop()
    const error = await worker.finished.then(
      () => new Error('finished resolved'),
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ClusterConnectionError)
    expect((error as ClusterConnectionError).code).toBe('ERR_CLUSTER_CONNECTION')
    await worker.close()
    await cluster.redis.start()
    for (const reconnectTimeout of [-1, 1.5, 2 ** 31, '1000']) {
      await expect(
        ClusterWorker.start(cluster.url, { reconnectTimeout: reconnectTimeout as number }),
      ).rejects.toThrow(InvalidOptionError)
    }
  })
})

describe('Redis full (its maxmemory reached)', () => {
  /** Sets `cluster`'s Redis's maxmemory to `bytes` (0: none), with noeviction, its default. */
  async function setMaxMemory(cluster: TestCluster, bytes: number): Promise<void> {
    const admin = new Redis(cluster.url)
    try {
      await admin.config('SET', 'maxmemory', String(bytes))
    } finally {
      admin.disconnect()
    }
  }

  test('mid-run: the run fails with ClusterStoreError naming the task, leaves nothing, and the workers serve the next run', async () => {
    const cluster = await clusters.withWorkers(2)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    await executor.start()
    const admin = new Redis(cluster.url)
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1])
    admin.disconnect()
    // Room for a dozen of the forty results of 512 KiB the run stores at once.
    await setMaxMemory(cluster, used + 6 * 2 ** 20)
    const arrays = Array.from({ length: 40 }, (_, i) => big(65_536 + i))
    const { error, ms } = await failure(length(listOf(...arrays)).compute({ executor }))
    expect(error).toBeInstanceOf(ClusterStoreError)
    expect((error as ClusterStoreError).code).toBe('ERR_CLUSTER_STORE')
    expect((error as ClusterStoreError).full).toBe(true)
    expect((error as Error).message).toMatch(
      /^task "big-[^"]+": cluster worker w[12] could not read or store its data \(OOM command not allowed[^)]*\)\. Redis is full \(it reached its maxmemory\)\. Give it more memory/,
    )
    expect(ms).toBeLessThan(10_000)
    // Removed as the run ended, though Redis is still full (not left for the sweep).
    expect(await runKeys(cluster.redis)).toEqual([])
    await setMaxMemory(cluster, 0)
    expect(await total([inc(1), inc(2)]).compute({ executor })).toBe(5)
  })

  test('from the start: the run fails with ClusterStoreError, and the workers stay listed', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    await executor.start()
    await setMaxMemory(cluster, 1)
    const { error } = await failure(total([inc(1), inc(2)]).compute({ executor }))
    expect(error).toBeInstanceOf(ClusterStoreError)
    expect((error as ClusterStoreError).full).toBe(true)
    expect((error as Error).message).toMatch(
      /^cluster executor: Redis at redis:\/\/127\.0\.0\.1:\d+\/? failed a request of the run \(OOM command not allowed[^)]*\): it is full/,
    )
    // A worker's record (6 s to live) is written every 2 s, full or not: past one write,
    // it has more than 3.5 s left.
    await sleep(2500)
    const admin = new Redis(cluster.url)
    try {
      const [key] = await admin.keys('tg:worker:*')
      expect(await admin.pttl(key!)).toBeGreaterThan(3500)
    } finally {
      admin.disconnect()
    }
    expect(await clusterStatus(cluster.url)).toHaveLength(1)
    await setMaxMemory(cluster, 0)
  })
})

describe('a value larger than Redis takes in one command', () => {
  test('an output goes to the driver through the shared directory; a job fails the run, naming proto-max-bulk-len', async () => {
    const cluster = await clusters.start(['--proto-max-bulk-len', '1mb'])
    const shared = join(cluster.dir, 'shared')
    mkdirSync(shared)
    const store = pathToFileURL(shared).href
    cluster.track(...(await startWorkers(cluster.url, 1, 'w', { args: ['--store', store] })))
    const executor = cluster.executor(new ClusterExecutor(cluster.url, { store }))
    // 1.6 MB: over the driver's 1 MiB limit for Redis, and what Redis takes at once.
    expect(await big(200_000).compute({ executor })).toEqual(new Float64Array(200_000).fill(1))
    expect(readdirSync(shared)).toEqual([])
    // Data of the workflow goes inside its tasks' jobs: not the NOPERM advice of other refusals.
    const error = await length(new Float64Array(200_000))
      .compute({ executor })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ClusterStoreError)
    expect((error as Error).message).toMatch(
      /\(ERR Protocol error: invalid bulk length\)\. A job of the run is larger than Redis takes in one command \(its proto-max-bulk-len/,
    )
    expect(await length(new Float64Array(1000)).compute({ executor })).toBe(1000)
    // A result stored in Redis, under a limit raised above Redis's own: the limit to
    // lower, not the shared directory the cluster already has.
    const raised = cluster.executor(
      new ClusterExecutor(cluster.url, { store, maxStoredBytes: 10 * 2 ** 20, fuse: false }),
    )
    const stored = await length(big(200_000))
      .compute({ executor: raised })
      .catch((e: unknown) => e)
    expect(stored).toBeInstanceOf(ClusterStoreError)
    expect((stored as Error).message).toMatch(
      /\(ERR Protocol error: invalid bulk length\)\. A value sent through Redis is larger than Redis takes in one command \(its proto-max-bulk-len, 512 MB by default\): results under --max-stored-bytes \(the maxStoredBytes option\) are stored there\. Lower --max-stored-bytes below proto-max-bulk-len, so that larger results go to the shared directory, or raise proto-max-bulk-len\.$/,
    )
  })
})

describe('Redis restarted requiring a password', () => {
  test("the URL's, which it had not needed: a worker and a driver send it and go on; another: both fail with ClusterUnreachableError", async () => {
    const redis = await startRedis()
    const url = redis.url.replace('redis://', 'redis://:secret@')
    // Sent as the default user's, which Redis takes as it needs none (TASKGRAPH_CLUSTER_PASSWORD).
    const worker = await ClusterWorker.start(url, { threads: 1, root: PACKAGE })
    const executor = new ClusterExecutor(url)
    try {
      expect(await total([inc(1), inc(2)]).compute({ executor })).toBe(5)
      await redis.restart(['--requirepass', 'secret'])
      // Listed again once its connections are back (a record of its own, every 2 s).
      await eventually(async () => expect(await clusterStatus(url)).toHaveLength(1), 10_000)
      expect(await total([inc(1), inc(2)]).compute({ executor })).toBe(5)
      await redis.restart(['--requirepass', 'another'])
      // Stopped at once, not after its reconnectTimeout (30 s): waiting would not cure it.
      await expect(worker.finished).rejects.toBeInstanceOf(ClusterUnreachableError)
      // A run sent before the driver's connections are back fails as one sent while Redis is
      // down (ClusterConnectionError); once they have been refused, as the worker was.
      await eventually(async () => {
        const { error } = await failure(total([inc(1), inc(2)]).compute({ executor }))
        expect(error).toBeInstanceOf(ClusterUnreachableError)
        expect((error as ClusterUnreachableError).code).toBe('ERR_CLUSTER_UNREACHABLE')
      }, 10_000)
    } finally {
      await executor.close()
      await worker.close()
      await redis.stop()
    }
  })
})

describe('a transaction ioredis fails whole with what Redis answered', () => {
  // A connection that opens to a Redis refusing it (NOAUTH here) fails every command
  // queued on it with the one error: a transaction's, which lists its commands' errors as
  // its causes, lists itself.
  test('is told as what Redis said (ClusterStoreError), not a stack overflow', async () => {
    const redis = await startRedis(['--requirepass', 'secret'])
    const client = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null })
    client.on('error', () => {})
    try {
      const failed = client
        .multi()
        .set('tg:a', '1')
        .exec()
        .catch((e: unknown) => e)
      await client.connect().catch(() => {})
      const refused = refusedRequest('the test', redis.url, await failed)
      expect(refused).toMatchObject({ code: 'ERR_CLUSTER_STORE', full: false })
    } finally {
      client.disconnect()
      await redis.stop()
    }
  })
})

/**
 * A TCP proxy to the Redis on `port` that lets each connection through until the client
 * has had its answer to PING, then, at its next command, drops every connection and
 * takes no more: Redis gone just as a driver that has connected sends BullMQ's first
 * commands.
 */
async function dropAfterPing(
  port: number,
): Promise<{ url: string; dropped: () => boolean; close: () => void }> {
  const sockets = new Set<Socket>()
  let dropped = false
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1')
    sockets.add(client).add(upstream)
    let pinged = false
    client.on('data', (chunk: Buffer) => {
      if (pinged && !dropped) {
        dropped = true
        server.close()
        for (const socket of sockets) socket.destroy()
        return
      }
      if (/\bping\b/i.test(chunk.toString('latin1'))) pinged = true
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => client.write(chunk))
    client.on('error', () => {})
    upstream.on('error', () => {})
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  const proxyPort = await freePort()
  await new Promise<void>((resolve) => server.listen(proxyPort, '127.0.0.1', resolve))
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    dropped: () => dropped,
    close: () => {
      server.close()
      for (const socket of sockets) socket.destroy()
    },
  }
}
