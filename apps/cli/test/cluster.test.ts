import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterWorker, WorkerNameInUseError, clusterStatus } from '@taskgraph/cluster'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  startWorker,
  startWorkers,
  stopWorkers,
  type WorkerProcess,
} from '../../../packages/cluster/test/cluster-workers.js'
import {
  freePort,
  startRedis,
  type RedisServer,
} from '../../../packages/cluster/test/redis-server.js'
import { nodeThatStripsTypes } from './helpers/node-24.js'
import { finished, fixture, runCli, startCli } from './helpers/run-cli.js'
import { killOnCleanup, killStrays } from './helpers/processes.js'

// `taskgraph run --cluster`, `taskgraph worker` and `taskgraph cluster status` as a user
// runs them: the built CLI, a real redis-server, and workers serving the fixtures
// directory (their project root, where the workflows are).

const FIXTURES = fixture('.')
const NODE_24 = nodeThatStripsTypes()

let redis: RedisServer
let workers: WorkerProcess[]

beforeAll(async () => {
  redis = await startRedis()
  workers = await startWorkers(redis.url, 2, 'cli', { cwd: FIXTURES })
})

afterAll(async () => {
  killStrays()
  await stopWorkers(workers ?? [])
  await redis?.stop()
})

/** The keys a run may leave: BullMQ's own, and live workers' records and names. */
async function runKeys(): Promise<string[]> {
  const keys = await redis.keys()
  return keys.filter(
    (key) =>
      !/^tg:tasks:(meta|events|id|stalled-check|marker)$/.test(key) &&
      !/^tg:(worker|name):/.test(key),
  )
}

/** Retries `check` until it passes or `ms` have passed (then throws its last failure). */
async function eventually(check: () => Promise<void>, ms: number): Promise<void> {
  const end = performance.now() + ms
  for (;;) {
    try {
      await check()
      return
    } catch (error) {
      if (performance.now() > end) throw error
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '')

describe('taskgraph run --cluster', () => {
  it('prints the result computed by the workers', async () => {
    expect(await runCli(['run', 'sum.mjs', '--cluster', redis.url])).toMatchObject({
      code: 0,
      stdout: '25\n',
    })
  })

  it("a lost worker's error shows none of taskgraph's frames without --verbose", async () => {
    const result = await runCli(['run', 'exit-thread.ts', '--cluster', redis.url])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^taskgraph: error: WorkerLostError: /)
    expect(result.stderr).not.toMatch(/^\s+at .*\/packages\//m)
    expect(result.stderr).toMatch(/frames? of taskgraph and Node\.js hidden; --verbose shows them/)
  })

  it("a worker's own failure: exit 1, ClusterInternalError, and the worker's stack whole", async () => {
    const { code, stdout, stderr } = await runCli(['run', 'cluster-spoiled.mjs'], {
      env: { TASKGRAPH_CLUSTER: redis.url },
    })
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' })
    expect(stderr).toMatch(
      /^taskgraph: error: ClusterInternalError: task "add-[^"]+": cluster worker cli[12] /,
    )
    // Its frames in the cluster's own code are what a report of the bug needs.
    expect(stderr).toMatch(/^\s+at .*\/packages\/cluster\/(dist|src)\//m)
  })

  it('takes the cluster from TASKGRAPH_CLUSTER', async () => {
    expect(
      await runCli(['run', 'sum.mjs'], { env: { TASKGRAPH_CLUSTER: redis.url } }),
    ).toMatchObject({ code: 0, stdout: '25\n' })
  })

  it('a password Redis does not need: said once, as a warning of its own', async () => {
    const url = redis.url.replace('redis://', 'redis://:not-needed@')
    const { code, stdout, stderr } = await runCli(['run', 'sum.mjs', '--cluster', url])
    expect({ code, stdout }).toEqual({ code: 0, stdout: '25\n' })
    // Not ioredis's [WARN] line on each of the driver's connections.
    expect(lines(stderr)).toEqual([
      expect.stringMatching(/^taskgraph: warning \[TASKGRAPH_CLUSTER_PASSWORD\]: .*:\*\*\*@/),
    ])
  })

  it('runs a TypeScript workflow on the workers, and prints it with --json', async () => {
    const { code, stdout, stderr } = await runCli([
      'run',
      'cluster-where.ts',
      '--cluster',
      redis.url,
      '--json',
    ])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const results = JSON.parse(stdout) as { square: number; pid: number }[]
    expect(results.map((result) => result.square)).toEqual([1, 4, 9, 16])
    const pids = new Set(workers.map((worker) => worker.pid))
    for (const { pid } of results) expect(pids).toContain(pid)
  })

  it('runs a TypeScript workflow of a CommonJS package on workers in it', async () => {
    // A cluster of its own (database 3), whose workers serve the package.
    const url = `${redis.url}/3`
    const [worker] = await startWorkers(url, 1, 'commonjs', { cwd: fixture('commonjs') })
    try {
      const { code, stdout, stderr } = await runCli(['run', 'flow.ts', '--cluster', url], {
        cwd: fixture('commonjs'),
      })
      expect({ code, stdout, stderr }).toEqual({ code: 0, stdout: '42\n', stderr: '' })
    } finally {
      await stopWorkers([worker!])
    }
  })

  // The driver names a module by its path; a worker's thread finds the workflow's
  // functions under the URL it imported it by, marked once stripping fell back to tsx,
  // and imports it once for all of them.
  it.skipIf(NODE_24 === undefined)(
    'runs a TypeScript workflow that type stripping cannot run, on workers of a Node that strips types',
    async () => {
      const url = `${redis.url}/4`
      const [worker] = await startWorkers(url, 1, 'strips', { cwd: FIXTURES, node: NODE_24 })
      try {
        const { code, stdout, stderr } = await runCli(
          ['run', 'cluster-enum.ts', '--cluster', url, '--json'],
          { node: NODE_24 },
        )
        expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
        // Both functions found in the one import of the module.
        expect(JSON.parse(stdout)).toEqual({ first: 1, second: { value: 3, imports: 1 } })
      } finally {
        await stopWorkers([worker!])
      }
    },
  )

  it('with --executor or --workers is a usage error naming the flag', async () => {
    for (const [flag, ...value] of [
      ['--executor', 'threads'],
      ['-w', '2'],
      ['--workers', '2'],
    ]) {
      const { code, stderr } = await runCli([
        'run',
        'sum.mjs',
        '--cluster',
        redis.url,
        flag!,
        ...value,
      ])
      expect(code, flag).toBe(2)
      expect(lines(stderr), flag).toEqual([
        expect.stringMatching(
          new RegExp(`^taskgraph: error: .*'--${flag === '--executor' ? 'executor' : 'workers'}'`),
        ),
      ])
    }
  })

  it('--max-stored-bytes raises the limit of a result kept in Redis', async () => {
    // 2 MiB is over the default limit: the task fails, and the error names the flag.
    const over = await runCli(['run', 'cluster-large.mjs', '--cluster', redis.url])
    expect(over.code).toBe(1)
    expect(over.stderr).toMatch(
      /ResultTooLargeError: task "block-\d+": its result is \d+ bytes, more than the 1048576 bytes .*--max-stored-bytes/,
    )
    const raised = await runCli([
      'run',
      'cluster-large.mjs',
      '--cluster',
      redis.url,
      '--max-stored-bytes',
      '4MiB',
    ])
    expect(raised).toMatchObject({ code: 0, stdout: `${4 * 1024 * 1024}\n` })
    expect(await runKeys()).toEqual([])
    // Without --cluster there is no Redis to keep results in: a usage error.
    const alone = await runCli(['run', 'sum.mjs', '--max-stored-bytes', '4MiB'])
    expect(alone.code).toBe(2)
    expect(lines(alone.stderr)).toEqual([
      expect.stringMatching(/^taskgraph: error: .*'--max-stored-bytes'.*give it with --cluster/),
    ])
  })

  it('SIGINT stops the run within 2 s, removes its keys and frees the workers', async () => {
    const child = killOnCleanup(startCli(['run', 'cluster-slow.mjs', '--cluster', redis.url]))
    const result = finished(child)
    // Once the workers hold its tasks: its run is open (the command is up, listening for
    // signals), and a worker counts tasks running (a count alone may be an earlier run's,
    // until the worker's record is next written).
    await eventually(async () => {
      expect(await runKeys()).not.toEqual([])
      const running = (await clusterStatus(redis.url)).reduce(
        (sum, worker) => sum + worker.running,
        0,
      )
      expect(running).toBeGreaterThan(0)
    }, 15_000)
    const interrupted = performance.now()
    child.kill('SIGINT')
    const { code } = await result
    expect(performance.now() - interrupted).toBeLessThan(2000)
    expect(code).toBe(130)
    await eventually(async () => expect(await runKeys()).toEqual([]), 2000)
    // The ten-minute tasks are stopped: a new run does not wait for them.
    expect(await runCli(['run', 'sum.mjs', '--cluster', redis.url])).toMatchObject({
      code: 0,
      stdout: '25\n',
    })
  })
})

describe('a cluster whose last worker stops mid-run', () => {
  it('run: warns at once that it waits for a worker (TASKGRAPH_CLUSTER_NO_WORKERS), once', async () => {
    // A cluster of its own (database 4), with one worker.
    const url = `${redis.url}/4`
    const worker = await startWorker(url, 'last', { cwd: FIXTURES })
    const child = killOnCleanup(startCli(['run', 'cluster-slow.mjs', '--cluster', url]))
    const result = finished(child)
    let stderr = ''
    child.stderr.on('data', (chunk: string) => (stderr += chunk))
    // Once it runs the run's tasks: stopping, it hands them back.
    await eventually(async () => {
      const [listed] = await clusterStatus(url)
      expect(listed?.running).toBeGreaterThan(0)
    }, 15_000)
    worker.child.kill('SIGTERM')
    await worker.exited
    await expect
      .poll(() => stderr, { timeout: 10_000, interval: 50 })
      .toContain('[TASKGRAPH_CLUSTER_NO_WORKERS]')
    child.kill('SIGINT')
    const { code } = await result
    expect(code).toBe(130)
    expect(stderr.match(/TASKGRAPH_CLUSTER_NO_WORKERS/g)).toHaveLength(1)
  })
})

describe('a Redis that goes away mid-run', () => {
  it('run --reconnect-timeout: exit 5 once it has waited that long, one line naming ClusterConnectionError', async () => {
    // A Redis of its own: the one the other tests share stays up.
    const own = await startRedis()
    const [worker] = await startWorkers(own.url, 1, 'away', { cwd: FIXTURES })
    try {
      const child = killOnCleanup(
        startCli(['run', 'cluster-slow.mjs', '--cluster', own.url, '--reconnect-timeout', '1500']),
      )
      const result = finished(child)
      await eventually(async () => {
        expect((await clusterStatus(own.url))[0]?.running).toBeGreaterThan(0)
      }, 15_000)
      await own.stop()
      const stoppedAt = performance.now()
      const { code, stdout, stderr } = await result
      const ms = performance.now() - stoppedAt
      expect({ code, stdout }).toEqual({ code: 5, stdout: '' })
      expect(ms).toBeGreaterThanOrEqual(1500)
      expect(ms).toBeLessThan(1500 + 5000)
      expect(lines(stderr).at(-1)).toMatch(
        /^taskgraph: error: ClusterConnectionError: .*has been down for 1500 ms\./,
      )
    } finally {
      await stopWorkers([worker!])
      await own.stop()
    }
    // Without --cluster it has nothing to wait for: a usage error.
    const { code, stderr } = await runCli(['run', 'sum.mjs', '--reconnect-timeout', '1000'])
    expect(code).toBe(2)
    expect(lines(stderr)).toEqual([
      expect.stringMatching(/^taskgraph: error: .*'--reconnect-timeout'.*give it with --cluster/),
    ])
  })
})

describe('a full Redis', () => {
  it('run: exit 5, one line naming ClusterStoreError and the fix', async () => {
    // A Redis of its own, over its maxmemory from the start.
    const own = await startRedis(['--maxmemory', '1'])
    try {
      const { code, stdout, stderr } = await runCli(['run', 'sum.mjs', '--cluster', own.url])
      expect({ code, stdout }).toEqual({ code: 5, stdout: '' })
      expect(lines(stderr)).toEqual([
        expect.stringMatching(
          /^taskgraph: error: ClusterStoreError: cluster executor: Redis at \S+ failed a request of the run \(OOM [^)]*\): it is full \(it reached its maxmemory\)\. Give it more memory/,
        ),
      ])
    } finally {
      await own.stop()
    }
  })
})

describe('taskgraph cluster status', () => {
  it('lists each worker: name, host, pid, threads, running, waiting, memory, versions', async () => {
    const { code, stdout } = await runCli(['cluster', 'status', '--cluster', redis.url])
    expect(code).toBe(0)
    const [header, ...rows] = lines(stdout)
    expect(header!.split(/\s+/)).toEqual([
      'NAME',
      'HOST',
      'PID',
      'THREADS',
      'RUNNING',
      'WAITING',
      'RSS',
      'TASKGRAPH',
      'NODE',
      'UP',
    ])
    const { version } = JSON.parse(await readFile(fixture('../../package.json'), 'utf8')) as {
      version: string
    }
    // Tasks running and waiting: the counts at the worker's last heartbeat.
    const cells = rows.map((row) => row.split(/\s+/))
    for (const row of cells)
      expect(row.slice(4, 6)).toEqual([
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^\d+$/),
      ])
    // Its resident memory, at its last heartbeat.
    for (const row of cells) expect(row[6]).toMatch(/^\d+MB$/)
    expect(cells.map((row) => [...row.slice(0, 4), ...row.slice(7, 9)])).toEqual(
      workers.map((worker) => [
        worker.name,
        hostname(),
        String(worker.pid),
        '1',
        version,
        process.versions.node,
      ]),
    )
  })

  it('--json lists the same', async () => {
    const { code, stdout } = await runCli(['cluster', 'status', '--cluster', redis.url, '--json'])
    expect(code).toBe(0)
    const listed = JSON.parse(stdout) as Record<string, unknown>[]
    expect(listed.map(({ name, pid, threads }) => ({ name, pid, threads }))).toEqual(
      workers.map((worker) => ({ name: worker.name, pid: worker.pid, threads: 1 })),
    )
    for (const worker of listed) {
      expect(Object.keys(worker).sort()).toEqual([
        'host',
        'id',
        'name',
        'node',
        'pid',
        'rss',
        'running',
        'since',
        'taskgraph',
        'threads',
        'waiting',
      ])
    }
  })
})

describe('taskgraph worker', () => {
  it('SIGTERM: exits 0 at once, and leaves the cluster status', async () => {
    const worker = await startWorker(redis.url, 'leaving', { cwd: FIXTURES })
    const names = async (): Promise<string[]> =>
      (await clusterStatus(redis.url)).map((listed) => listed.name)
    expect(await names()).toContain('leaving')
    const signalled = performance.now()
    worker.child.kill('SIGTERM')
    expect(await worker.exited).toBe(0)
    expect(performance.now() - signalled).toBeLessThan(5000)
    const { stdout } = await runCli(['cluster', 'status', '--cluster', redis.url])
    expect(stdout).not.toContain('leaving')
  })

  it('SIGTERM while starting: exits 0 once the start is closed, and leaves the cluster status', async () => {
    const child = startCli(
      [
        'worker',
        '--cluster',
        redis.url,
        '--threads',
        '1',
        '--name',
        'starting',
        'slow-in-threads.mjs',
      ],
      { cwd: FIXTURES },
    )
    killOnCleanup(child)
    const result = finished(child)
    const names = async (): Promise<string[]> =>
      (await clusterStatus(redis.url)).map((listed) => listed.name)
    // Listed, its threads still loading the module (3 s).
    await expect.poll(names, { timeout: 20_000, interval: 50 }).toContain('starting')
    child.kill('SIGTERM')
    const { code, stderr } = await result
    expect(stderr).not.toContain('ready with')
    expect(stderr).toContain('taskgraph worker: SIGTERM while starting: stopped')
    expect(code).toBe(0)
    // Its record went with it, not when it expires.
    expect(await names()).not.toContain('starting')
  })

  it('a password Redis does not need: said once, as a warning of its own', async () => {
    const url = redis.url.replace('redis://', 'redis://:not-needed@')
    const worker = await startWorker(url, 'passworded', { cwd: FIXTURES })
    await stopWorkers([worker])
    // Not ioredis's [WARN] line on each of its connections (five).
    expect(lines(worker.stderr())).toEqual([
      expect.stringMatching(/^taskgraph: warning \[TASKGRAPH_CLUSTER_PASSWORD\]: /),
      expect.stringMatching(/^taskgraph worker passworded: ready with 1 thread/),
      expect.stringMatching(/^taskgraph worker passworded: SIGTERM: stopping/),
    ])
  })

  it('a name a live worker holds: refused, exit 2, one line naming WorkerNameInUseError', async () => {
    const [holder] = workers
    const { code, stdout, stderr } = await runCli([
      'worker',
      '--cluster',
      redis.url,
      '--threads',
      '1',
      '--name',
      holder!.name,
    ])
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(lines(stderr)).toEqual([
      expect.stringMatching(/^taskgraph: error: WorkerNameInUseError: /),
    ])
    // In a program of one's own, the same; it says where the name is held.
    const error = await ClusterWorker.start(redis.url, { name: holder!.name, threads: 1 }).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(WorkerNameInUseError)
    expect(error).toMatchObject({
      code: 'ERR_WORKER_NAME_IN_USE',
      worker: holder!.name,
      host: hostname(),
      pid: holder!.pid,
    })
    expect((await clusterStatus(redis.url)).map((listed) => listed.name)).toEqual(
      workers.map((worker) => worker.name),
    )
  })

  it('started in / with no modules: warns that it serves any module of the file system', async () => {
    const worker = await startWorker(redis.url, 'everywhere', { cwd: '/' })
    await stopWorkers([worker])
    expect(lines(worker.stderr())).toEqual([
      expect.stringMatching(/^taskgraph: warning \[TASKGRAPH_CLUSTER_ANY_FILE\]: /),
      'taskgraph worker everywhere: ready with 1 thread, serving any module under /',
      expect.stringMatching(/^taskgraph worker everywhere: SIGTERM: stopping/),
    ])
  })

  it('killed (SIGKILL) and started again at once with its name: accepted, listed once', async () => {
    const killed = await startWorker(redis.url, 'reborn', { cwd: FIXTURES })
    killed.child.kill('SIGKILL')
    await killed.exited
    // Its record and its claim on its name outlive it by seconds: the restart does not
    // wait for them.
    const again = await startWorker(redis.url, 'reborn', { cwd: FIXTURES })
    try {
      const listed = await clusterStatus(redis.url)
      expect(listed.filter((worker) => worker.name === 'reborn').map(({ pid }) => pid)).toEqual([
        again.pid,
      ])
    } finally {
      await stopWorkers([again])
    }
  })

  it('given modules: each of its threads imports every one as it starts, so its first jobs find them loaded', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tg-served-'))
    const marks = join(directory, 'imports.txt')
    const worker = await startWorker(redis.url, 'serving-two', {
      cwd: FIXTURES,
      threads: 2,
      args: ['served-first.mjs', 'served-second.mjs'],
      env: { TASKGRAPH_TEST_IMPORTS: marks },
    })
    try {
      const imports = lines(await readFile(marks, 'utf8')).map((line) => line.split(' '))
      const threadsOf = (module: string): Set<string> =>
        new Set(imports.filter(([name]) => name === module).map(([, thread]) => thread!))
      expect(threadsOf('first').size).toBe(2)
      expect(threadsOf('second')).toEqual(threadsOf('first'))
    } finally {
      await stopWorkers([worker])
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('given a module that does not exist: an error naming it, a non-zero exit', async () => {
    const { code, stderr } = await runCli(['worker', '--cluster', redis.url, 'no-such-tasks.ts'])
    expect(code).not.toBe(0)
    expect(code).not.toBeNull()
    expect(lines(stderr)).toEqual([expect.stringMatching(/^taskgraph: error: .*no-such-tasks\.ts/)])
  })
})

describe('taskgraph worker, given modules it cannot serve', () => {
  it.each([
    { why: 'a directory', module: 'lib', error: 'WorkflowError' },
    {
      why: 'outside its project root',
      module: '../helpers/processes.ts',
      error: 'ModuleRefusedError',
    },
    { why: 'failing to import', module: 'syntax-error.mjs', error: 'ModuleRefusedError' },
    // The start waited for it for ever, without a word.
    {
      why: 'never finishing its import',
      module: 'never-imports.mjs',
      error: 'ModuleRefusedError',
      args: ['--start-timeout', '500'],
    },
  ])('$why: exit 3, one line naming $error', async ({ module, error, args = [] }) => {
    const { code, stdout, stderr } = await runCli([
      'worker',
      '--cluster',
      redis.url,
      '--threads',
      '1',
      ...args,
      module,
    ])
    expect({ code, stdout }).toEqual({ code: 3, stdout: '' })
    expect(lines(stderr)).toEqual([expect.stringMatching(`^taskgraph: error: ${error}: `)])
  })
})

describe('a --store whose directory is not there', () => {
  // Every machine mounts it: made on the spot, a mistyped one hid results from the others.
  it.each([
    { command: ['worker'], named: 'taskgraph worker: --store' },
    { command: ['run', 'sum.mjs'], named: 'taskgraph run: --store' },
  ])('$named: exit 2, one line naming it, nothing made', async ({ command, named }) => {
    const url = 'file:///nonexistent/taskgraph-mount'
    const { code, stdout, stderr } = await runCli([
      ...command,
      '--cluster',
      redis.url,
      '--store',
      url,
    ])
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(lines(stderr)).toEqual([
      `taskgraph: error: ${named} ${url} names /nonexistent/taskgraph-mount, which does not exist; give the directory every machine mounts, mounted or made before the driver and the workers start.`,
    ])
    expect(existsSync('/nonexistent')).toBe(false)
  })

  it('TASKGRAPH_STORE is not needed to exist for a run that does not use the cluster', async () => {
    const { code, stderr } = await runCli(['run', 'sum.mjs'], {
      env: { TASKGRAPH_STORE: 'file:///nonexistent/taskgraph-mount' },
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
  })
})

describe('a cluster that cannot be reached', () => {
  const commands = [
    { name: 'run', command: ['run', 'sum.mjs'] },
    { name: 'worker', command: ['worker'] },
    { name: 'cluster status', command: ['cluster', 'status'] },
  ]

  it.each(commands)(
    'taskgraph $name: exit 5 within 5 s, one line naming ClusterUnreachableError',
    async ({ command }) => {
      const url = `redis://127.0.0.1:${await freePort()}`
      const started = performance.now()
      const { code, stdout, stderr } = await runCli([...command, '--cluster', url])
      expect(performance.now() - started).toBeLessThan(5000)
      expect({ code, stdout }).toEqual({ code: 5, stdout: '' })
      expect(lines(stderr)).toEqual([
        expect.stringMatching(/^taskgraph: error: ClusterUnreachableError/),
      ])
    },
  )

  it.each(commands)(
    'taskgraph $name, given a URL that is not Redis: exit 2',
    async ({ command }) => {
      // A Redis URL's path is a database's number, if anything; it has no query, whose
      // parameters ioredis would take as options (SELECT NaN crashed the command).
      const urls = ['http://127.0.0.1:6379', 'not a url', `${redis.url}/db`, `${redis.url}?db=x`]
      for (const url of urls) {
        const { code, stderr } = await runCli([...command, '--cluster', url])
        expect(code, url).toBe(2)
        expect(lines(stderr), url).toEqual([
          expect.stringMatching(/^taskgraph: error: .*not a Redis URL/),
        ])
      }
      // Nor is a password in a query shown, as one before the host is not.
      const { stderr } = await runCli([...command, '--cluster', `${redis.url}?password=s3cret`])
      expect(lines(stderr)).toEqual([
        expect.stringMatching(/^taskgraph: error: .*\?\*\*\* is not a Redis URL/),
      ])
      // Nor one in a URL that does not parse (a mistyped port).
      const typo = await runCli([...command, '--cluster', 'redis://tg:s3cret@127.0.0.1:63a79'])
      expect(typo.code).toBe(2)
      expect(lines(typo.stderr)).toEqual([
        expect.stringMatching(
          /^taskgraph: error: taskgraph [a-z ]+: --cluster redis:\/\/tg:\*\*\*@127\.0\.0\.1:63a79 is not a Redis URL;/,
        ),
      ])
      // A Unix socket is named as such.
      const socket = await runCli([...command, '--cluster', 'unix:///run/redis/redis.sock'])
      expect(socket.code).toBe(2)
      expect(lines(socket.stderr)).toEqual([
        expect.stringMatching(/^taskgraph: error: .* names a Unix socket; .* over TCP/),
      ])
    },
  )
})
