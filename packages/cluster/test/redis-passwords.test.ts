// Drivers and workers whose URL gives a password (and no user), across a Redis restarted
// requiring it or no longer requiring it: a real redis-server that keeps its data
// (appendonly), real `taskgraph worker` and `taskgraph run` processes.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compute } from '@taskgraph/scheduler'
import { afterEach, expect, test } from 'vitest'
import { ClusterExecutor } from '@taskgraph/cluster'
import { endsWithTheTests } from './child-processes.js'
import { CLI, PACKAGE, startWorker, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { eventually, readTraces } from './fault-checks.js'
import { step } from './fixtures/fault-tasks.mjs'
import { startRedis, type RedisServer } from './redis-server.js'

/** What each test started, stopped after it. */
let redis: RedisServer | undefined
let workers: WorkerProcess[] = []
let executor: ClusterExecutor | undefined
let dirs: string[] = []

afterEach(async () => {
  await executor?.close()
  await stopWorkers(workers)
  await redis?.stop()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  redis = executor = undefined
  workers = []
  dirs = []
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-passwords-'))
  dirs.push(dir)
  return dir
}

/** A Redis that keeps its data across restarts; `settings` are more of its options. */
async function persistentRedis(settings: readonly string[] = []): Promise<{
  redis: RedisServer
  url: string
  restart: (settings?: readonly string[]) => Promise<void>
}> {
  const kept = ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', tempDir()]
  redis = await startRedis([...kept, ...settings])
  const started = redis
  return {
    redis: started,
    url: started.url.replace('redis://', 'redis://:secret@'),
    restart: (more = []) => started.restart([...kept, ...more]),
  }
}

/** The lines of `text`, but empty ones. */
function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '')
}

// ioredis answered each connection's bare AUTH to a Redis that requires no password with
// `[WARN] This Redis server's default user does not require a password...` on stderr:
// on every connection of a worker and a driver as they reconnected.
test('Redis restarted requiring no password: the terminals of a worker and a run show taskgraph lines only', async () => {
  const { url, restart } = await persistentRedis(['--requirepass', 'secret'])
  const traces = tempDir()
  const worker = await startWorker(url, 'w', { threads: 2 })
  workers.push(worker)
  const run = endsWithTheTests(
    spawn(process.execPath, [CLI, 'run', 'test/fixtures/steps-flow.mjs', '--cluster', url], {
      cwd: PACKAGE,
      env: { ...process.env, TASKGRAPH_TEST_TRACES: traces },
    }),
  )
  let stdout = ''
  let stderr = ''
  run.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  run.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const code = new Promise((resolve) => run.once('exit', resolve))
  await eventually(() => expect(readTraces(traces).started.size).toBe(2), 20_000)
  await restart()
  expect(await code).toBe(0)
  expect({ stdout, stderr }).toEqual({ stdout: '3\n', stderr: '' })
  await eventually(() => expect(worker.stderr()).toMatch(/connected to Redis at .* again/), 10_000)
  for (const line of lines(worker.stderr())) expect(line).toMatch(/^taskgraph[: ]/)
})

// A password Redis did not need was left out of the connections, and put back once
// Redis asked for it (NOAUTH): what a worker's connection had waiting as it reconnected
// was failed with that NOAUTH, and the run with it.
test('Redis restarted requiring the password: a run in flight carries on', async () => {
  const { url, restart, redis: server } = await persistentRedis()
  const traces = tempDir()
  workers.push(await startWorker(url, 'w', { threads: 2 }))
  executor = new ClusterExecutor(url)
  const run = compute(step(traces, 0, 1500), step(traces, 1, 1500), { executor })
  await eventually(() => expect(readTraces(traces).started.size).toBe(2), 20_000)
  await server.stop()
  // Their results wait on the worker's connection for Redis to come back.
  await eventually(() => expect(readTraces(traces).ended.size).toBe(2), 10_000)
  await restart(['--requirepass', 'secret'])
  expect(await run).toEqual([1, 2])
})
