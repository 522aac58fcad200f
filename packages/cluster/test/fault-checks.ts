import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, expect } from 'vitest'
import type { ClusterExecutor } from '@taskgraph/cluster'
import {
  startWorkers,
  stopWorkers,
  type WorkerOptions,
  type WorkerProcess,
} from './cluster-workers.js'
import { startRedis, type RedisServer } from './redis-server.js'

/** Retries `check` until it passes or `ms` have passed (then throws its last failure). */
export async function eventually(check: () => Promise<void> | void, ms: number): Promise<void> {
  const end = performance.now() + ms
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (performance.now() > end) throw error
      await sleep(100)
    }
  }
}

/** The error a run rejects with, and how long it took to. */
export async function failure(run: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now()
  const error = await run.then(
    () => new Error('the run succeeded'),
    (e: unknown) => e,
  )
  return { error, ms: performance.now() - started }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Whether a process started by a test is still running. */
export function alive(worker: WorkerProcess): boolean {
  return worker.child.exitCode === null && worker.child.signalCode === null
}

/**
 * What the cluster's Redis holds beyond its standing keys: BullMQ's own queue keys, and
 * the records of workers still alive and their claims on their names (a dead worker's
 * expire within seconds).
 */
export async function leftKeys(
  redis: RedisServer,
  workers: readonly WorkerProcess[],
): Promise<string[]> {
  const live = new Set(workers.filter(alive).map((worker) => String(worker.pid)))
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  try {
    const left: string[] = []
    for (const key of await client.keys('*')) {
      if (/^tg:tasks:(meta|events|id|stalled-check)$/.test(key)) continue
      if (key.startsWith('tg:worker:') && live.has((await client.hget(key, 'pid')) ?? '')) continue
      // A live worker's claim on its name.
      if (key.startsWith('tg:name:') && live.has(String(claimPid(await client.get(key))))) continue
      left.push(key)
    }
    return left.sort()
  } finally {
    client.disconnect()
  }
}

/** The process id a worker's claim on its name holds. */
function claimPid(claim: string | null): unknown {
  return (JSON.parse(claim ?? '{}') as { pid?: unknown }).pid
}

/**
 * The keys runs left in `redis`: everything but the queue's own (BullMQ's) and workers'
 * records and claims on their names, which live as long as the workers. The queue's
 * marker (a set of at most two members, "0" and "1", that BullMQ adds as jobs come and
 * its workers take as they wait) stays when a run's jobs went before a worker took it.
 */
export async function runKeys(redis: RedisServer): Promise<string[]> {
  const keys = await redis.keys()
  return keys.filter(
    (key) =>
      !/^tg:tasks:(meta|events|id|stalled-check|marker)$/.test(key) &&
      !/^tg:(worker|name):/.test(key),
  )
}

/** Where each traced task (`fault-tasks.mjs`) started and ended: value → pids. */
export interface Traces {
  readonly started: ReadonlyMap<number, readonly number[]>
  readonly ended: ReadonlyMap<number, readonly number[]>
}

export function readTraces(dir: string): Traces {
  const started = new Map<number, number[]>()
  const ended = new Map<number, number[]>()
  for (const file of readdirSync(dir)) {
    const match = /^(\d+)\.(\d+)\.(start|end)$/.exec(file)
    if (match === null) continue
    const into = match[3] === 'start' ? started : ended
    const value = Number(match[1])
    into.set(value, [...(into.get(value) ?? []), Number(match[2])])
  }
  return { started, ended }
}

/**
 * A test's cluster: a redis-server of its own, the workers and executors it starts, and
 * a directory for traces. `end()` checks that nothing of a run is left in Redis, then
 * stops everything and checks that every process is gone.
 */
export class TestCluster {
  readonly workers: WorkerProcess[] = []
  readonly executors: ClusterExecutor[] = []
  readonly dir = mkdtempSync(join(tmpdir(), 'taskgraph-faults-'))

  private constructor(readonly redis: RedisServer) {}

  /** `settings`: more of redis-server's options (see `startRedis`). */
  static async start(settings?: readonly string[]): Promise<TestCluster> {
    return new TestCluster(await startRedis(settings))
  }

  get url(): string {
    return this.redis.url
  }

  /** Adds workers (started by the test) to stop and check at the end. */
  track(...workers: WorkerProcess[]): WorkerProcess[] {
    this.workers.push(...workers)
    return workers
  }

  /** Adds an executor to close at the end. */
  executor(executor: ClusterExecutor): ClusterExecutor {
    this.executors.push(executor)
    return executor
  }

  /** Checks that no run left keys, then stops everything. */
  async end(): Promise<void> {
    try {
      await eventually(
        async () => expect(await leftKeys(this.redis, this.workers)).toEqual([]),
        10_000,
      )
    } finally {
      for (const executor of this.executors) await executor.close()
      await stopWorkers(this.workers)
      await this.redis.stop()
      rmSync(this.dir, { recursive: true, force: true })
    }
    for (const worker of this.workers) expect(alive(worker), worker.name).toBe(false)
  }
}

/**
 * One cluster per test of the file that calls it, ended (and checked) after each test:
 * `start` gives it a redis-server (`settings`, see `startRedis`), `withWorkers` that and
 * `count` workers named w1, w2...
 */
export function clusterPerTest(): {
  start(settings?: readonly string[]): Promise<TestCluster>
  withWorkers(count: number, options?: WorkerOptions): Promise<TestCluster>
} {
  let current: TestCluster | undefined
  afterEach(async () => {
    await current?.end()
    current = undefined
  })
  const start = async (settings?: readonly string[]): Promise<TestCluster> =>
    (current = await TestCluster.start(settings))
  return {
    start,
    async withWorkers(count, options) {
      const cluster = await start()
      cluster.track(...(await startWorkers(cluster.url, count, 'w', options)))
      return cluster
    },
  }
}
