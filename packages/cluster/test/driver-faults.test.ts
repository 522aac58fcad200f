// What becomes of a run whose driver stops renewing it (suspended) or dies mid-run: it
// fails, or is dropped, and everything it wrote to Redis goes. A file of its own, beside
// redis-faults.test.ts: its waits (a run record lapsing, a worker's sweep) overlap those.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn, type ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { ClusterConnectionError, ClusterExecutor, clusterStatus } from '@taskgraph/cluster'
import { endsWithTheTests } from './child-processes.js'
import { PACKAGE } from './cluster-workers.js'
import { clusterPerTest, eventually, failure, readTraces, sleep } from './fault-checks.js'
import { step } from './fixtures/fault-tasks.mjs'

const clusters = clusterPerTest()

describe("a run's record gone from Redis", () => {
  test('before its time (deleted, flushed, evicted): the run fails with ClusterConnectionError saying so, not a wait for ever', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    const run = compute(step(cluster.dir, 0, 3000), step(cluster.dir, 1, 3000), { executor })
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 10_000)
    // Without its record, the workers no longer answer for the run.
    const admin = new Redis(cluster.url)
    try {
      const records = (await admin.keys('tg:run:*')).filter((key) => /^tg:run:[^:]+$/.test(key))
      expect(records).toHaveLength(1)
      await admin.del(records[0]!)
    } finally {
      admin.disconnect()
    }
    const { error, ms } = await failure(run)
    expect(error).toBeInstanceOf(ClusterConnectionError)
    // The driver renewed it within the last 5 s: its own event loop is not to blame.
    expect((error as Error).message).toMatch(
      /^cluster executor: the record of a run in Redis at \S+ is gone \d+\.\d s after this process renewed it for 15 s: Redis let it go before its time \(it was deleted, the database flushed, or evicted under a maxmemory-policy other than noeviction\)/,
    )
    // It renews records every 5 s.
    expect(ms).toBeLessThan(5000 + 2000)
  })

  test('as Redis answered nothing past its life (stopped): the run fails saying Redis answered the renewal late', async () => {
    const cluster = await clusters.withWorkers(1)
    const executor = cluster.executor(new ClusterExecutor(cluster.url))
    const run = compute(step(cluster.dir, 0, 30_000), { executor })
    await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 10_000)
    const failed = failure(run)
    // Its record lives 15 s from its last renewal, made before the stop; the renewals
    // sent meanwhile are answered once Redis goes on. Within reconnectTimeout (30 s).
    cluster.redis.signal('SIGSTOP')
    await sleep(15_500)
    cluster.redis.signal('SIGCONT')
    const { error } = await failed
    expect(error).toBeInstanceOf(ClusterConnectionError)
    // Not blamed on eviction, nor on the driver: neither was at fault.
    expect((error as Error).message).toMatch(
      /^cluster executor: the record of a run in Redis at \S+ lapsed, as Redis answered its renewal only after \d+\.\d s \(it was stopped or overloaded, or the network to it was cut\)/,
    )
  })

  test('as the driver was suspended past its life: the run fails saying the driver did not renew it', async () => {
    const cluster = await clusters.withWorkers(1)
    const { driver, output, exited } = startDriver('suspended-driver.mjs', cluster)
    try {
      await eventually(() => expect(readTraces(cluster.dir).started.size).toBe(1), 15_000)
      // Its record lives 15 s from its last renewal, at most 5 s before the stop.
      driver.kill('SIGSTOP')
      await sleep(15_500)
      driver.kill('SIGCONT')
      expect(await exited, output.stderr).toBe(0)
    } finally {
      driver.kill('SIGKILL')
    }
    const ended = JSON.parse(output.stdout) as { ended: string; message: string }
    expect(ended.ended).toBe('ClusterConnectionError')
    expect(ended.message).toMatch(
      /^cluster executor: the record of a run in Redis at \S+ lapsed, as this process did not renew it for 15 s \(it was suspended, or its event loop was blocked that long\)/,
    )
  })
})

describe('a driver killed mid-run', () => {
  test('its run is dropped: workers go idle, and every key of the run is gone once its record expires', async () => {
    const cluster = await clusters.withWorkers(2)
    const { driver, output, exited } = startDriver('dying-driver.mjs', cluster)
    try {
      await eventually(
        () => expect(readTraces(cluster.dir).started.size).toBeGreaterThanOrEqual(2),
        15_000,
      )
    } catch (error) {
      driver.kill('SIGKILL')
      throw new Error(`the driver did not start its run:\n${output.stderr}`, { cause: error })
    }
    driver.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const client = new Redis(cluster.url)
    try {
      // The run record lapses (15 s), workers drop its jobs as they take them and stop the
      // ones they run at their next sweep (every 10 s).
      await eventually(async () => {
        const workers = await clusterStatus(cluster.url)
        expect(workers.map((worker) => worker.running)).toEqual([0, 0])
        expect(await client.llen('tg:tasks:wait')).toBe(0)
        expect(await client.llen('tg:tasks:active')).toBe(0)
      }, 40_000)
      // 60 steps of 2 s on 2 threads would take a minute: most were never started.
      const started = readTraces(cluster.dir).started.size
      expect(started).toBeLessThan(40)
      // The sweep removed the run's results and its entry in tg:runs. The driver's reply
      // list is its own, not the run's: it expires by itself, 60 s after the last reply
      // pushed to it (waiting that out would double the test), so it must carry a TTL.
      await eventually(async () => {
        const keys = await cluster.redis.keys()
        expect(keys.filter((key) => key.startsWith('tg:run'))).toEqual([])
        for (const key of keys.filter((key) => key.startsWith('tg:driver:'))) {
          expect(await client.pttl(key)).toBeGreaterThan(0)
          await client.del(key)
        }
      }, 15_000)
      await sleep(3000)
      // Nothing more started after the run was dropped.
      expect(readTraces(cluster.dir).started.size).toBe(started)
    } finally {
      client.disconnect()
    }
  })
})

describe('values a driver and its workers cannot read of each other', () => {
  // V8 reads nested data with more stack than it writes it, and the V8 of one Node may
  // not read what another's wrote (an error with a cause, from Node 20 to 22 or later):
  // a driver with a stack unlike its workers' stands in for a Node unlike theirs.
  test.each([
    ['argument', 'a job its worker cannot read', ['--stack-size=4000'], 8000],
    ['result', 'a reply its driver cannot read', ['--stack-size=300'], 1500],
  ] as const)(
    '%s: %s fails its task with SerializationError, not a wait for ever',
    async (direction, _, node, depth) => {
      const cluster = await clusters.withWorkers(1)
      const ended = await driverEnded('deep-driver.mjs', cluster, {
        node,
        args: [direction, String(depth)],
      })
      expect(ended).toEqual({ ended: 'SerializationError', direction })
    },
  )

  // A result the driver read from its cache is kept in the cluster's store, where a
  // worker reads it as any task's result: one its worker could not read failed the job as
  // a bug of taskgraph (ClusterInternalError).
  test('a stored input its worker cannot read fails its task with SerializationError', async () => {
    const cluster = await clusters.withWorkers(1)
    const cacheDir = mkdtempSync(join(tmpdir(), 'taskgraph-deep-cache-'))
    const ended = await driverEnded('deep-cached-driver.mjs', cluster, {
      node: ['--stack-size=4000'],
      args: ['5000', cacheDir],
    }).finally(() => rmSync(cacheDir, { recursive: true, force: true }))
    expect(ended).toMatchObject({
      ended: 'SerializationError',
      direction: 'argument',
      path: expect.stringMatching(/^the stored result of its input "nested-[^"]+"$/) as unknown,
    })
    expect(ended.message).toMatch(/which cluster worker \S+ could not read back \(/)
    expect(ended.message).not.toMatch(/bug of taskgraph/)
  })

  // A task the driver runs itself (a main-thread task, get, gather) reads its stored
  // inputs from the cluster's store as a worker does: one it could not read failed the
  // task as if the task had thrown (TaskError).
  test('a stored input the driver cannot read fails the task it runs with SerializationError', async () => {
    const cluster = await clusters.withWorkers(1)
    const ended = await driverEnded('deep-stored-driver.mjs', cluster, {
      node: ['--stack-size=300'],
      args: ['1500'],
    })
    expect(ended).toMatchObject({
      ended: 'SerializationError',
      code: 'ERR_NOT_SERIALIZABLE',
      key: expect.stringMatching(/^length-/) as unknown,
      direction: 'argument',
      path: expect.stringMatching(/^the stored result of its input "nested-[^"]+"$/) as unknown,
    })
    // Nothing was to be sent to a worker: the driver read it back.
    expect(ended.message).not.toMatch(/sent to a worker/)
  })
  // An output too large for Redis, which its worker wrote to the shared directory, that
  // the driver could not read back was a ClusterStoreError saying the directory could not
  // be read, though it was read and what it held was not.
  test('a large output the driver cannot read from the shared directory fails its task with SerializationError naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'taskgraph-unread-'))
    const store = pathToFileURL(dir).href
    try {
      const cluster = await clusters.withWorkers(1, { args: ['--store', store] })
      const ended = await driverEnded('deep-output-driver.mjs', cluster, {
        node: ['--stack-size=300'],
        args: [store, '1500'],
      })
      expect(ended).toMatchObject({
        ended: 'SerializationError',
        code: 'ERR_NOT_SERIALIZABLE',
        key: expect.stringMatching(/^nestedBig-/) as unknown,
        functionName: 'nestedBig',
        direction: 'result',
      })
      expect(ended.path).toMatch(new RegExp(`^the file ${dir}/\\S+$`))
      expect(ended.message).toMatch(/which this driver could not read back \(/)
      expect(ended.message).not.toMatch(/sent to a worker|mounted/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  // A cached task's result, which the run's cache reads from the cluster's store to keep,
  // that the driver could not read back was told in a process warning quoting V8 alone
  // ("Maximum call stack size exceeded"), not through the cache's own warnings, and
  // without saying what was read or what to do.
  test("a cached result the driver cannot read back is told in the cache's warnings, and the run goes on", async () => {
    const cluster = await clusters.withWorkers(1)
    const cacheDir = mkdtempSync(join(tmpdir(), 'taskgraph-unread-cache-'))
    const ended = await driverEnded('deep-cached-output-driver.mjs', cluster, {
      node: ['--stack-size=300'],
      args: ['1500', cacheDir],
    }).finally(() => rmSync(cacheDir, { recursive: true, force: true }))
    expect(ended).toMatchObject({ ended: 'done', value: [1] })
    const warnings = ended.warnings as unknown as string[]
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^cache: the results of "nested" cannot be stored, so they will run again: the cluster executor's store could not give them back: its stored result, which this driver could not read back \(.+\)\. Run the driver with a larger stack/,
    )
  })
})

/**
 * Runs a driver that prints how its run ended as one JSON object, and gives that object
 * once the driver has exited with 0.
 */
async function driverEnded(
  fixture: string,
  cluster: { readonly url: string; readonly dir: string },
  options: { node?: readonly string[]; args?: readonly string[] },
): Promise<Record<string, string>> {
  const { driver, output, exited } = startDriver(fixture, cluster, options)
  try {
    expect(await exited, output.stderr).toBe(0)
  } finally {
    driver.kill('SIGKILL')
  }
  return JSON.parse(output.stdout) as Record<string, string>
}

/**
 * Starts the driver program `fixture` (in fixtures/) on `cluster`, with Node's options
 * `node` and arguments `args` after the cluster's URL and directory: what it prints, and
 * its exit code, or the signal that ended it.
 */
function startDriver(
  fixture: string,
  cluster: { readonly url: string; readonly dir: string },
  { node = [], args = [] }: { node?: readonly string[]; args?: readonly string[] } = {},
): {
  driver: ChildProcessByStdio<null, Readable, Readable>
  output: { stdout: string; stderr: string }
  exited: Promise<number | string | null>
} {
  const driver = endsWithTheTests(
    spawn(
      process.execPath,
      [
        ...node,
        fileURLToPath(new URL(`fixtures/${fixture}`, import.meta.url)),
        cluster.url,
        cluster.dir,
        ...args,
      ],
      { cwd: PACKAGE, stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  const output = { stdout: '', stderr: '' }
  driver.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk))
  driver.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk))
  const exited = new Promise<number | string | null>((resolve) =>
    driver.once('exit', (code, signal) => resolve(code ?? signal)),
  )
  return { driver, output, exited }
}
