import { Redis } from 'ioredis'
import { AggregateTaskError, CancelledError, TimeoutError, compute } from '@taskgraph/scheduler'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  ClusterExecutor,
  ClusterStoreError,
  ClusterUnreachableError,
  ClusterWorker,
  clusterStatus,
} from '@taskgraph/cluster'
import { startWorkers, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { eventually } from './fault-checks.js'
import { boom, inc, slow, total } from './fixtures/tasks.mjs'
import { startRedis, type RedisServer } from './redis-server.js'

/**
 * The smallest Redis ACL a cluster runs with: its keys and channels (`tg:*`), and the
 * commands of taskgraph and of BullMQ (its Lua scripts' included, which Redis checks
 * against the user too). The cluster docs quote it.
 */
const CLUSTER_ACL = [
  'resetkeys',
  '~tg:*',
  'resetchannels',
  '&tg:*',
  '-@all',
  // Connection: BullMQ reads the server's version with INFO, and names its connections.
  ...['+ping', '+info', '+select', '+hello', '+client|setname', '+quit'],
  // Scripts (BullMQ's and taskgraph's), transactions, pub/sub, blocking reads.
  ...['+evalsha', '+eval', '+multi', '+exec', '+discard'],
  ...['+subscribe', '+unsubscribe', '+publish', '+blpop', '+bzpopmin'],
  // Keys.
  ...['+exists', '+type', '+del', '+unlink', '+rename', '+scan', '+time'],
  ...['+get', '+set', '+incr', '+incrby', '+pexpire', '+pexpireat', '+pttl', '+persist'],
  ...['+hset', '+hmset', '+hget', '+hmget', '+hgetall', '+hdel', '+hexists', '+hlen'],
  ...['+hincrby', '+hscan'],
  ...['+sadd', '+srem', '+smembers', '+scard', '+sismember', '+sscan'],
  ...['+lpush', '+rpush', '+lpop', '+rpop', '+rpoplpush', '+lrange', '+llen', '+lrem'],
  ...['+ltrim', '+lpos', '+lindex', '+lset'],
  ...['+zadd', '+zrem', '+zscore', '+zcard', '+zcount', '+zrange', '+zrangebyscore'],
  ...['+zrevrange', '+zrevrangebyscore', '+zrangebylex', '+zlexcount', '+zpopmin'],
  ...['+zremrangebyscore', '+zremrangebyrank'],
  ...['+xadd', '+xtrim', '+xrange', '+xrevrange', '+xlen', '+xdel', '+xread'],
]

let redis: RedisServer
let admin: Redis
let workers: WorkerProcess[] = []

/** `url` with the user `name` and its password. */
const asUser = (name: string): string => {
  const url = new URL(redis.url)
  url.username = name
  url.password = 'secret'
  return url.href
}

beforeAll(async () => {
  redis = await startRedis()
  admin = new Redis(redis.url)
  await admin.call('ACL', 'SETUSER', 'tg', 'on', '>secret', ...CLUSTER_ACL)
  // A user with every command but those Redis calls dangerous: INFO is one of them.
  await admin.call(
    'ACL',
    'SETUSER',
    'noinfo',
    'on',
    '>secret',
    '~tg:*',
    '&tg:*',
    '+@all',
    '-@dangerous',
  )
  await admin.call('ACL', 'LOG', 'RESET')
})

afterAll(async () => {
  await stopWorkers(workers)
  admin?.disconnect()
  await redis?.stop()
})

describe('a cluster whose Redis user has the smallest ACL', () => {
  // Four runs and two worker starts: more than the file's minute on a loaded machine.
  test(
    'runs, fails, times out and cancels tasks, with nothing refused',
    { timeout: 120_000 },
    async () => {
      const url = asUser('tg')
      workers = await startWorkers(url, 2, 'acl')
      const cluster = new ClusterExecutor(url)
      try {
        expect(
          await total(Array.from({ length: 200 }, (_, i) => inc(i))).compute({ executor: cluster }),
        ).toBe(20_100)
        const failed = await compute(boom('one'), inc(1), {
          executor: cluster,
          failFast: false,
        }).catch((e: unknown) => e)
        expect(failed).toBeInstanceOf(AggregateTaskError)
        const timedOut = await slow(1, 10_000)
          .compute({ executor: cluster, timeout: 300 })
          .catch((e: unknown) => e)
        expect(timedOut).toBeInstanceOf(TimeoutError)
        const controller = new AbortController()
        const cancelled = compute(slow(1, 10_000), slow(2, 10_000), {
          executor: cluster,
          signal: controller.signal,
        }).catch((e: unknown) => e)
        await new Promise((resolve) => setTimeout(resolve, 500))
        controller.abort()
        expect(await cancelled).toBeInstanceOf(CancelledError)
        // Past a lease: the workers' stalled-job checks have run too.
        await new Promise((resolve) => setTimeout(resolve, 2000))
        expect(await inc(1).compute({ executor: cluster })).toBe(2)
        expect((await clusterStatus(url)).map((worker) => worker.name)).toEqual(['acl1', 'acl2'])
      } finally {
        await cluster.close()
        await stopWorkers(workers)
      }
      expect(await admin.call('ACL', 'LOG')).toEqual([])
    },
  )
})

describe('a Redis user without the rights of the smallest ACL', () => {
  const without = (name: string, command: string) =>
    admin.call('ACL', 'SETUSER', name, 'on', '>secret', ...CLUSTER_ACL, `-${command}`)

  /** Expects the start of a driver as user `name` to fail, Redis refusing `command`. */
  async function expectDriverRefused(name: string, command: string): Promise<void> {
    const cluster = new ClusterExecutor(asUser(name))
    try {
      const error = await cluster.start().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ClusterStoreError)
      expect((error as Error).message).toMatch(
        new RegExp(
          `^ClusterExecutor: Redis at \\S+ refused a request \\(NOPERM [^)]*'${command}'[^)]*\\)\\. If it says NOPERM, give the cluster's ACL user the rights`,
        ),
      )
    } finally {
      await cluster.close()
    }
  }

  // It started, and left its jobs in Redis when its run ended and it could not say so.
  test('without PUBLISH: the start of a driver fails with ClusterStoreError saying NOPERM', async () => {
    await without('nopublish', 'publish')
    await expectDriverRefused('nopublish', 'publish')
  })

  test('without SCAN or SUBSCRIBE: the start of a driver, a worker or a status call fails with ClusterStoreError saying NOPERM', async () => {
    await without('noscan', 'scan')
    await without('nosubscribe', 'subscribe')
    const noScan = asUser('noscan')
    await expectDriverRefused('noscan', 'scan')
    await expect(clusterStatus(noScan)).rejects.toThrow(
      /^clusterStatus: Redis at .* refused a request \(NOPERM/,
    )
    const error = await ClusterWorker.start(asUser('nosubscribe'), { threads: 1 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ClusterStoreError)
    expect((error as Error).message).toMatch(
      /^taskgraph worker: Redis at \S+ refused a request \(NOPERM [^)]*'subscribe'/,
    )
  })

  test("a driver that may not take its run off the list still stops the run's tasks at once when it is cancelled", async () => {
    await admin.call('ACL', 'SETUSER', 'nosrem', 'on', '>secret', ...CLUSTER_ACL, '-srem')
    workers = await startWorkers(asUser('tg'), 1, 'srem')
    const cluster = new ClusterExecutor(asUser('nosrem'))
    try {
      const controller = new AbortController()
      const cancelled = compute(slow(1, 20_000), {
        executor: cluster,
        signal: controller.signal,
      }).catch((e: unknown) => e)
      await eventually(
        async () => expect((await clusterStatus(asUser('tg')))[0]!.running).toBe(1),
        10_000,
      )
      controller.abort()
      expect(await cancelled).toBeInstanceOf(CancelledError)
      // Told at once, before the step that is refused: the task stops, not 20 s later.
      await eventually(
        async () => expect((await clusterStatus(asUser('tg')))[0]!.running).toBe(0),
        6000,
      )
    } finally {
      await cluster.close()
      await stopWorkers(workers)
    }
  })
})

describe('a Redis user without INFO', () => {
  test('fails the start of a driver and of a worker with ClusterUnreachableError', async () => {
    const url = asUser('noinfo')
    const cluster = new ClusterExecutor(url)
    try {
      await expect(cluster.start()).rejects.toThrow(ClusterUnreachableError)
    } finally {
      await cluster.close()
    }
    await expect(ClusterWorker.start(url, { threads: 1 })).rejects.toThrow(ClusterUnreachableError)
  })
})
