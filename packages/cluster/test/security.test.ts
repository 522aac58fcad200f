import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { serialize } from 'node:v8'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import type { DelayedFunction } from '@taskgraph/core'
import { TaskError } from '@taskgraph/scheduler'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ClusterExecutor, ModuleRefusedError } from '@taskgraph/cluster'
import { unpackReply, type JobData, type ModuleFunction, type Reply } from '../src/wire/job.js'
import { PACKAGE, startWorker, stopWorkers, type WorkerProcess } from './cluster-workers.js'
import { inc } from './fixtures/tasks.mjs'
import { eventually } from './fault-checks.js'
import { startRedis, type RedisServer } from './redis-server.js'

// The queue carries references to code (a module path inside the project and a name),
// never code. These tests write jobs by hand, as anyone who can write to Redis could,
// and check that workers refuse each one that names code outside what they serve,
// without importing it, and go on serving.

let redis: RedisServer
/** Serves any module under its root (the cluster package). */
let open: WorkerProcess
/** Serves test/fixtures/tasks.mjs only, on database 1. */
let served: WorkerProcess
const scratch = mkdtempSync(join(tmpdir(), 'taskgraph-security-'))
/** Written by the modules below if anything imports them. */
const outsideMarker = join(scratch, 'outside-imported')
const servedMarker = join(scratch, 'served-imported')
const shellMarker = join(scratch, 'shell-ran')
/** A real module outside the project root, which would leave a mark if imported. */
const outside = join(scratch, 'outside.mjs')
/**
 * A link inside the root to that module. It lives among the fixtures, which the
 * repository's lint skips: `pnpm test` lints beside this suite, and a file that comes
 * and goes where ESLint looks fails its run with ENOENT.
 */
const link = join(
  PACKAGE,
  'test',
  'fixtures',
  `.outside-link-${randomBytes(4).toString('hex')}.mjs`,
)

beforeAll(async () => {
  writeFileSync(
    outside,
    `import { writeFileSync } from 'node:fs'\nwriteFileSync(${JSON.stringify(outsideMarker)}, 'imported')\nexport const inc = (x) => x + 1\n`,
  )
  symlinkSync(outside, link)
  redis = await startRedis()
  ;[open, served] = await Promise.all([
    startWorker(redis.url, 'open'),
    startWorker(`${redis.url}/1`, 'served', {
      args: ['test/fixtures/tasks.mjs'],
      env: { TASKGRAPH_TEST_MARKER: servedMarker },
    }),
  ])
})

afterAll(async () => {
  await stopWorkers([open, served].filter((worker) => worker !== undefined))
  await redis?.stop()
  rmSync(link, { force: true })
  rmSync(scratch, { recursive: true, force: true })
})

let jobs = 0

/**
 * Puts one job on the queue by hand, as the driver would (src/wire/job.ts): a run record
 * of its own, a batch of one call per function, and reads the worker's reply.
 */
async function sendByHand(
  url: string,
  functions: ModuleFunction[],
  args?: unknown[],
  /** Fields that replace those of each call, as a job written by hand may have them. */
  fields?: Record<string, unknown>,
): Promise<Reply>
/** Puts the job on the queue, and resolves with its id once a worker has taken it. */
async function sendByHand(
  url: string,
  functions: ModuleFunction[],
  args: unknown[],
  fields: Record<string, unknown>,
  reply: false,
): Promise<string>
async function sendByHand(
  url: string,
  functions: ModuleFunction[],
  args: unknown[] = [],
  fields: Record<string, unknown> = {},
  reply = true,
): Promise<Reply | string> {
  const connection = new Redis(url, { maxRetriesPerRequest: null })
  const queue = new Queue<JobData>('tasks', { connection, prefix: 'tg' })
  const run = `hand-${++jobs}`
  const driver = `hand-driver-${jobs}`
  try {
    await connection.set(`tg:run:${run}`, driver, 'PX', 60_000)
    const calls = functions.map((_, i) => ({
      id: i + 1,
      key: `call-${i + 1}`,
      name: 'by-hand',
      fn: i,
      args,
      output: true,
      ...fields,
    }))
    const data: JobData = {
      run,
      driver,
      batch: serialize({ functions, calls }).toString('base64'),
      lost: 0,
      limit: 1024 * 1024,
    }
    await queue.add('calls', data, {
      jobId: `${driver}.1`,
      removeOnComplete: true,
      removeOnFail: true,
    })
    if (!reply) {
      // Taken once BullMQ's wait list no longer holds it.
      await eventually(async () => {
        expect(await connection.lrange('tg:tasks:wait', 0, -1)).not.toContain(`${driver}.1`)
      }, 10_000)
      return `${driver}.1`
    }
    // The reply with its outcome (one may come before it, saying the call began).
    for (;;) {
      const popped = await connection.blpopBuffer(`tg:driver:${driver}:replies`, 20)
      if (popped === null) throw new Error(`no reply to job ${driver}.1 within 20 s`)
      const reply = unpackReply(popped[1])
      if (reply.outcomes.length > 0) return reply
    }
  } finally {
    await connection.del(`tg:run:${run}`, `tg:driver:${driver}:replies`)
    await queue.close()
    connection.disconnect()
  }
}

const exported = (module: string, name: string): ModuleFunction => ({
  kind: 'export',
  module,
  name,
  hash: undefined,
})

describe('a worker serving any module of its root', () => {
  const refusals: [string, ModuleFunction, unknown[]][] = [
    ['a builtin module', exported('node:child_process', 'execSync'), [`touch ${shellMarker}`]],
    ['an absolute path', exported('/etc/passwd', 'default'), []],
    ['an absolute path to a real module', exported(outside, 'inc'), [1]],
    ['a ../ escape to a real module', exported(relative(PACKAGE, outside), 'inc'), [1]],
    ['a ../ escape inside a path', exported('test/../../core/package.json', 'default'), []],
    ['a symlink out of the root', exported(relative(PACKAGE, link), 'inc'), [1]],
    [
      'a data: URL',
      exported(
        `data:text/javascript,import { writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(outsideMarker)}, 'x'); export const f = () => 1`,
        'f',
      ),
      [],
    ],
    ['a file: URL', exported(`file://${outside}`, 'inc'), [1]],
    [
      'an origin whose module is outside the root',
      {
        kind: 'origin',
        module: relative(PACKAGE, outside),
        name: 'inc',
        occurrence: 0,
        hash: undefined,
      },
      [1],
    ],
    [
      'a module of the root that fails to import',
      exported('test/fixtures/throws-on-import.mjs', 'f'),
      [],
    ],
    // A name is looked up among the module's exports, never evaluated.
    ['code as a function name', exported('test/fixtures/tasks.mjs', `inc; process.exit(3)`), [1]],
  ]

  test.each(refusals)('refuses %s, imports nothing, and keeps serving', async (_, fn, args) => {
    const reply = await sendByHand(redis.url, [fn], args)
    expect(reply.worker).toBe('open')
    expect(reply.outcomes).toMatchObject([
      { id: 1, ok: false, fault: { kind: 'refused', module: fn.module } },
    ])
    expect(existsSync(outsideMarker)).toBe(false)
    expect(existsSync(shellMarker)).toBe(false)
    expect(open.child.exitCode).toBeNull()
  })

  // Where a function or a returned graph cannot be copied, a worker's threads send a ref
  // in its place: one written into a job by hand must stay data, never code.
  const ref = (url: string, name: string): unknown => ({ kind: 'export', url, name })
  const forgedFunction = (url: string, name: string): unknown => ({
    __taskgraph_function__: ref(url, name),
  })

  test('never runs a function reference written into a job: it stays data', async () => {
    // A task that calls its argument, as a bag's map does.
    const applyTo = exported('test/fixtures/tasks.mjs', 'applyTo')
    for (const fn of [
      forgedFunction('node:child_process', 'execSync'),
      forgedFunction(pathToFileURL(outside).href, 'inc'),
    ]) {
      const reply = await sendByHand(redis.url, [applyTo], [fn, `touch ${shellMarker}`])
      expect(reply.worker).toBe('open')
      expect(reply.outcomes).toMatchObject([
        { id: 1, ok: false, fault: { kind: 'threw', error: { message: /not a function/ } } },
      ])
    }
    expect(existsSync(shellMarker)).toBe(false)
    expect(existsSync(outsideMarker)).toBe(false)
    expect(open.child.exitCode).toBeNull()
  })

  test('never makes a graph written into a job: a task returning one returns data', async () => {
    const same = exported('test/fixtures/tasks.mjs', 'same')
    const spec = { name: 'inc', pure: false }
    const graph = {
      __taskgraph_graph__: {
        nodes: [{ spec, fn: ref(pathToFileURL(outside).href, 'inc'), args: [1] }],
        value: { __taskgraph_node__: 0 },
      },
    }
    const reply = await sendByHand(redis.url, [same], [graph])
    expect(reply.outcomes).toMatchObject([{ id: 1, ok: true, value: graph }])
    expect(existsSync(outsideMarker)).toBe(false)
    expect(open.child.exitCode).toBeNull()
  })

  test.each([
    [
      'a fused step naming no function',
      { steps: [{ key: 's', name: 's', fn: 7, args: [], holes: [] }] },
    ],
    ['steps that are not a list', { steps: 'steps' }],
    ['arguments that are not a list', { args: 'args' }],
    ['a time limit that is not a number', { timeout: 'soon' }],
  ])('drops a job whose call has %s, with a warning, and keeps serving', async (_, fields) => {
    const add = exported('test/fixtures/tasks.mjs', 'add')
    const job = await sendByHand(redis.url, [add], [1, 2], fields, false)
    await eventually(() => expect(open.stderr()).toContain(`dropped job ${job}:`), 10_000)
    expect(open.stderr()).toContain('TASKGRAPH_CLUSTER_BAD_JOB')
    expect(open.child.exitCode).toBeNull()
  })

  test('runs tasks of its root as before, through a ClusterExecutor', async () => {
    const cluster = new ClusterExecutor(redis.url)
    try {
      expect(await inc(inc(1)).compute({ executor: cluster })).toBe(3)
    } finally {
      await cluster.close()
    }
    expect(existsSync(outsideMarker)).toBe(false)
    expect(readlinkSync(link)).toBe(outside)
  })

  test('listens on no TCP port', async () => {
    // The check itself sees a port this process listens on.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      expect(listeningSockets(process.pid)).toContain(
        `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`,
      )
    } finally {
      server.close()
    }
    expect(listeningSockets(open.pid)).toEqual([])
    expect(listeningSockets(served.pid)).toEqual([])
  })
})

describe('a worker started with a list of modules', () => {
  test('refuses a module of its root that it does not serve, without importing it', async () => {
    const module = 'test/fixtures/marker.mjs'
    const reply = await sendByHand(`${redis.url}/1`, [exported(module, 'marked')])
    expect(reply).toMatchObject({
      worker: 'served',
      outcomes: [{ id: 1, ok: false, fault: { kind: 'refused', module } }],
    })
    expect(existsSync(servedMarker)).toBe(false)
  })

  test('runs the tasks of the module it serves', async () => {
    const cluster = new ClusterExecutor(`${redis.url}/1`)
    try {
      expect(await inc(41).compute({ executor: cluster })).toBe(42)
    } finally {
      await cluster.close()
    }
  })
})

/**
 * The TCP sockets `pid` listens on (IPv4 and IPv6), as `local-address:port` in hex: the
 * sockets in LISTEN state (0A) of /proc/net/tcp* whose inode is among the process's files.
 */
function listeningSockets(pid: number): string[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`)
      const match = /^socket:\[(\d+)\]$/.exec(target)
      if (match) inodes.add(match[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const listening: string[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      if (fields[3] === '0A' && inodes.has(fields[9]!)) listening.push(fields[1]!)
    }
  }
  return listening
}

describe("a worker whose copy of a module is not the driver's", () => {
  const projects = mkdtempSync(join(tmpdir(), 'taskgraph-copies-'))
  const copy = (name: string, source: string, factor: number): string => {
    const root = join(projects, name)
    mkdirSync(root)
    // The project's dependencies, as an install would provide them.
    symlinkSync(join(PACKAGE, 'node_modules'), join(root, 'node_modules'))
    writeFileSync(join(root, 'tasks.mjs'), source)
    // A module both copies hold alike.
    writeFileSync(join(root, 'alike.mjs'), ALIKE)
    // One both hold alike, which imports a helper they do not.
    writeFileSync(join(root, 'uses.mjs'), USES)
    writeFileSync(join(root, 'helper.mjs'), `export const factor = ${factor}\n`)
    return root
  }
  const ALIKE = `import { delayed } from '@taskgraph/core'
export const half = delayed(function half(x) {
  return x / 2
})
`
  const TASKS = `import { delayed } from '@taskgraph/core'
export const double = delayed(function double(x) {
  return 2 * x
})
`
  const USES = `import { delayed } from '@taskgraph/core'
import { factor } from './helper.mjs'
export const scaled = delayed(function scaled(x) {
  return factor * x
})
`
  const ours = copy('ours', TASKS, 2)
  const theirs = copy('theirs', TASKS.replace('2 * x', '3 * x'), 3)
  let worker: WorkerProcess | undefined

  type Tasks = { double: DelayedFunction<(x: number) => number> }
  const tasksOf = (root: string): Promise<Tasks> =>
    import(pathToFileURL(join(root, 'tasks.mjs')).href) as Promise<Tasks>
  type Uses = { scaled: DelayedFunction<(x: number) => number> }
  const usesOf = (root: string): Promise<Uses> =>
    import(pathToFileURL(join(root, 'uses.mjs')).href) as Promise<Uses>
  type Alike = { half: DelayedFunction<(x: number) => number> }
  const alikeOf = (root: string): Promise<Alike> =>
    import(pathToFileURL(join(root, 'alike.mjs')).href) as Promise<Alike>

  beforeAll(async () => {
    worker = await startWorker(`${redis.url}/2`, 'their-copy', { cwd: theirs })
  })

  afterAll(async () => {
    await stopWorkers(worker === undefined ? [] : [worker])
    rmSync(projects, { recursive: true, force: true })
  })

  // A worker keeps the code it imported first: a helper edited since it started ran as it
  // was, while the driver (and a cache's key) had the new one.
  test('refuses the tasks of a module whose imported file differs, naming the module', async () => {
    const { scaled } = await usesOf(ours)
    const cluster = new ClusterExecutor(`${redis.url}/2`, { root: ours })
    try {
      const error = await scaled(2)
        .compute({ executor: cluster })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TaskError)
      const cause = (error as TaskError).cause
      expect(cause).toBeInstanceOf(ModuleRefusedError)
      expect(cause).toMatchObject({ module: 'uses.mjs', worker: 'their-copy' })
      expect((cause as Error).message).toMatch(
        /a file of the project that uses\.mjs imports is not the driver's.*restart a worker/,
      )
      // A module whose files are alike runs there.
      const { half } = await alikeOf(ours)
      expect(await half(8).compute({ executor: cluster })).toBe(4)
    } finally {
      await cluster.close()
    }
  })

  test('refuses its tasks: a ModuleRefusedError naming the file and the worker', async () => {
    const { double } = await tasksOf(ours)
    const cluster = new ClusterExecutor(`${redis.url}/2`, { root: ours })
    try {
      const error = await double(2)
        .compute({ executor: cluster })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TaskError)
      const cause = (error as TaskError).cause
      expect(cause).toBeInstanceOf(ModuleRefusedError)
      expect(cause).toMatchObject({
        code: 'ERR_MODULE_REFUSED',
        module: 'tasks.mjs',
        worker: 'their-copy',
      })
      expect((cause as Error).message).toMatch(/their-copy.*tasks\.mjs.*sources differ/)
      // And the fix: the same version everywhere, or a worker restarted since the change.
      expect((cause as Error).message).toMatch(/install the same version.*restart a worker/)
      // Fused after a step the worker runs: the call was refused whole, named after that
      // step. Now the step before runs, and the refused one fails as its own task.
      const { half } = await alikeOf(ours)
      const first = half(8)
      const step = double(first)
      const ended: string[] = []
      const fused = await step
        .compute({ executor: cluster, hooks: { onTaskEnd: (task) => ended.push(task.key) } })
        .catch((e: unknown) => e)
      expect(fused).toBeInstanceOf(TaskError)
      expect(fused).toMatchObject({ key: step.key, functionName: 'double' })
      expect((fused as TaskError).cause).toBeInstanceOf(ModuleRefusedError)
      expect((fused as TaskError).cause).toMatchObject({ module: 'tasks.mjs' })
      expect(ended).toEqual([first.key, step.key])
    } finally {
      await cluster.close()
    }
  })

  test('runs them for a driver with the same copy', async () => {
    const { double } = await tasksOf(theirs)
    const cluster = new ClusterExecutor(`${redis.url}/2`, { root: theirs })
    try {
      expect(await double(2).compute({ executor: cluster })).toBe(6)
    } finally {
      await cluster.close()
    }
  })
})
