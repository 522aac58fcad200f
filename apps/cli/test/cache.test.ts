import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { waitForStderr } from './helpers/output.js'
import { killOnCleanup } from './helpers/processes.js'
import { finished, fixture, runCli, startCli } from './helpers/run-cli.js'
import { startWorkers, stopWorkers } from '../../../packages/cluster/test/cluster-workers.js'
import { eventually } from '../../../packages/cluster/test/fault-checks.js'
import { startRedis } from '../../../packages/cluster/test/redis-server.js'

// taskgraph run --cache, and taskgraph cache ls|prune|clear|why, as a user runs them: a
// project written for each test (inside the CLI's package, where `import 'taskgraph'`
// finds this build), run twice or more by the built command.

let project: string
let log: string
beforeEach(async () => {
  project = await mkdtemp(join(fixture('.'), '.cache-project-'))
  log = join(project, 'calls.log')
  await write(PROJECT)
})
afterEach(() => rm(project, { recursive: true, force: true }))

async function write(tree: Record<string, string>): Promise<void> {
  for (const [path, source] of Object.entries(tree)) {
    await mkdir(dirname(join(project, path)), { recursive: true })
    await writeFile(join(project, path), source)
  }
}

// square (cached, 150 ms) of 0..N-1, through a helper two imports away, then a total of
// them (pure). Each call of a task is logged to $TASK_LOG, from whichever worker.
const PROJECT = {
  'log-call.ts': `import { appendFileSync } from 'node:fs'
export function logCall(call: string): void {
  appendFileSync(process.env.TASK_LOG!, call + '\\n')
}`,
  'lib/math.ts': `export function times(a: number, b: number): number {
  return a * b
}`,
  'steps/square.ts': `import { times } from '../lib/math.js'
import { logCall } from '../log-call.js'
export async function square(x: number): Promise<number> {
  logCall('square(' + x + ')')
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.SQUARE_MS ?? 150)))
  return times(x, x)
}`,
  'flow.ts': `import { delayed } from 'taskgraph'
import { logCall } from './log-call.js'
import { square } from './steps/square.js'
const squared = delayed(square, { cache: true })
const total = delayed(function total(...values: number[]) {
  logCall('total()')
  return values.reduce((a, b) => a + b, 0)
}, { pure: true })
const n = Number(process.env.SQUARES ?? 6)
// Keys of their own, for taskgraph cache why.
export default total(...Array.from({ length: n }, (_, i) => squared.with({ key: 'square-' + i })(i)))
`,
}

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** Task calls the run made, sorted. */
  readonly calls: string[]
}

async function calls(): Promise<string[]> {
  return (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()
}

async function run(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  await rm(log, { force: true })
  const result = await runCli(args, { cwd: project, env: { TASK_LOG: log, ...env } })
  return { ...result, calls: await calls() }
}

const squares = (n: number): string[] => Array.from({ length: n }, (_, i) => `square(${i})`)

describe('taskgraph run --cache', () => {
  it.for(['async', 'processes'])(
    'on %s, a second run runs no task, gives the same result, and says so',
    async (executor) => {
      const args = ['run', 'flow.ts', '--json', '-e', executor, '--cache', '.cache']
      const first = await run(args)
      expect(first).toMatchObject({ code: 0, stdout: '55\n' })
      expect(first.calls).toEqual(['total()', ...squares(6)].sort())
      expect(first.stderr).toContain('taskgraph: 0 tasks from the cache (.cache), 7 run')
      const second = await run(args)
      expect(second).toMatchObject({ code: 0, stdout: '55\n', calls: [] })
      expect(second.stderr).toContain('taskgraph: 1 task from the cache (.cache), 0 run')
    },
  )

  // Counted with thousands separators, as the docs show it; the tasks that failed ran.
  it('counts what ran, failed tasks too, with thousands separators', async () => {
    await write({
      'many.ts': `import { delayed } from 'taskgraph'
const step = delayed(function step(x: number) {
  if (x === 7) throw new Error('seven')
  return x
}, { cache: true })
export default Array.from({ length: 1200 }, (_, i) => step(i))
`,
    })
    const result = await run(['run', 'many.ts', '--json', '--keep-going', '--cache', '.cache'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('taskgraph: 0 tasks from the cache (.cache), 1,200 run\n')
  })

  it('takes its directory from TASKGRAPH_CACHE too', async () => {
    await run(['run', 'flow.ts', '--json'], { TASKGRAPH_CACHE: '.env-cache' })
    const second = await run(['run', 'flow.ts', '--json'], { TASKGRAPH_CACHE: '.env-cache' })
    expect(second).toMatchObject({ code: 0, stdout: '55\n', calls: [] })
  })

  it('runs again exactly what an edit two imports away reaches, and what needs it', async () => {
    const args = ['run', 'flow.ts', '--json', '--cache', '.cache']
    await run(args)
    // A new input: one more square, and the total.
    const grown = await run(args, { SQUARES: '7' })
    expect(grown).toMatchObject({ stdout: '91\n', calls: ['square(6)', 'total()'] })
    // The helper of square changes: every square, and the total.
    await write({
      'lib/math.ts': 'export function times(a: number, b: number) { return a * b + 1 }',
    })
    const edited = await run(args, { SQUARES: '7' })
    expect(edited).toMatchObject({ stdout: '98\n', calls: ['total()', ...squares(7)].sort() })
  })

  it('a run stopped by Ctrl-C keeps what it finished: the next run does only the rest', async () => {
    const env = { TASK_LOG: log, SQUARES: '24', SQUARE_MS: '200' }
    await rm(log, { force: true })
    // 24 tasks of 200 ms on 2 threads: about 2.4 s, stopped once 6 have finished.
    const child = killOnCleanup(
      startCli(
        ['--log-level', 'debug', 'run', 'flow.ts', '-e', 'threads', '-w', '2', '--cache', '.cache'],
        { cwd: project, env },
      ),
    )
    const stopped = finished(child)
    await waitForStderr(child, /("msg":"task finished".*\n.*){6}/s)
    child.kill('SIGINT')
    expect((await stopped).code).toBe(130)
    const before = await calls()
    const resumed = await run(['run', 'flow.ts', '--json', '--cache', '.cache'], env)
    expect(resumed.stdout).toBe(
      `${Array.from({ length: 24 }, (_, i) => i * i).reduce((a, b) => a + b)}\n`,
    )
    // Each square ran once over both runs, but those that were cancelled midway.
    const all = [...before, ...resumed.calls].filter((call) => call !== 'total()')
    expect(new Set(all)).toEqual(new Set(squares(24)))
    expect(resumed.calls.filter((call) => call !== 'total()').length).toBeLessThanOrEqual(24 - 6)
    expect(resumed.calls).toContain('total()')
  })

  // A chain of cached steps runs as one call: each step's result still reaches the cache
  // as the step ends, not when the chain does.
  it.for(['threads', 'cluster'])(
    'on %s, a fused chain stopped by Ctrl-C keeps the steps it finished',
    async (executor) => {
      await write({
        'chain.ts': `import { delayed } from 'taskgraph'
import { logCall } from './log-call.js'
const step = delayed(async function step(x: number) {
  logCall('step(' + x + ')')
  await new Promise((resolve) => setTimeout(resolve, 300))
  return x + 1
}, { cache: true })
let value = step(0)
for (let i = 1; i < 8; i++) value = step(value)
export default value
`,
      })
      const redis = executor === 'cluster' ? await startRedis() : undefined
      const workers =
        redis === undefined
          ? []
          : await startWorkers(redis.url, 1, 'chain', { cwd: project, env: { TASK_LOG: log } })
      try {
        const on = redis === undefined ? ['-e', executor] : ['--cluster', redis.url]
        const args = ['run', 'chain.ts', '--json', ...on, '--cache', '.cache']
        await rm(log, { force: true })
        const child = killOnCleanup(startCli(args, { cwd: project, env: { TASK_LOG: log } }))
        const stopped = finished(child)
        // Steps 0 to 2 have ended once step 4 has begun, and step 2's end was told to the
        // driver a step (300 ms) ago: a step ended a moment before Ctrl-C may still be on
        // its way from a cluster worker, and is not kept.
        await eventually(async () => expect(await calls()).toContain('step(4)'), 10_000)
        child.kill('SIGINT')
        const { code, stderr } = await stopped
        expect(code).toBe(130)
        // The steps that ended count as run, though the chain did not end.
        expect(stderr).toMatch(/taskgraph: 0 tasks from the cache \(\.cache\), [3-7] run\n/)
        const resumed = await run(args)
        expect(resumed).toMatchObject({ code: 0, stdout: '8\n' })
        expect(resumed.calls).toContain('step(7)')
        for (const done of ['step(0)', 'step(1)', 'step(2)'])
          expect(resumed.calls).not.toContain(done)
      } finally {
        await stopWorkers(workers)
        await redis?.stop()
      }
    },
  )

  it('two runs at once on one directory both give the right answer, and store whole entries', async () => {
    const args = ['run', 'flow.ts', '--json', '-e', 'threads', '-w', '2', '--cache', '.cache']
    const env = { TASK_LOG: log, SQUARES: '12', SQUARE_MS: '50' }
    const both = await Promise.all([
      runCli(args, { cwd: project, env }),
      runCli(args, { cwd: project, env }),
    ])
    for (const result of both) expect(result).toMatchObject({ code: 0, stdout: '506\n' })
    const third = await run(args, env)
    expect(third).toMatchObject({ code: 0, stdout: '506\n', calls: [] })
    expect(third.stderr).not.toContain('warning')
  })

  it('on a cluster, a second run runs no task on the workers, and says all came from the cache', async () => {
    const redis = await startRedis()
    try {
      // A worker serving the project, whose tasks log to the test's file.
      const [worker] = await startWorkers(redis.url, 1, 'cache', {
        cwd: project,
        env: { TASK_LOG: log },
      })
      try {
        const args = ['run', 'flow.ts', '--json', '--cluster', redis.url, '--cache', '.cache']
        const env = { SQUARE_MS: '0' }
        const first = await run(args, env)
        expect(first).toMatchObject({ code: 0, stdout: '55\n' })
        expect(first.calls).toEqual(['total()', ...squares(6)].sort())
        expect(first.stderr).toContain('taskgraph: 0 tasks from the cache (.cache), 7 run')
        const second = await run(args, env)
        expect(second).toMatchObject({ code: 0, stdout: '55\n', calls: [] })
        expect(second.stderr).toContain('taskgraph: 1 task from the cache (.cache), 0 run')
        // One more square: it runs on the worker, and the total reads the six cached.
        const third = await run(args, { ...env, SQUARES: '7' })
        expect(third).toMatchObject({ code: 0, stdout: '91\n', calls: ['square(6)', 'total()'] })
        expect(third.stderr).toContain('taskgraph: 6 tasks from the cache (.cache), 2 run')
        // Nothing of the runs is left in Redis: only the queue's own keys and the worker's
        // (which removes a job just after replying to it).
        await eventually(async () => {
          const keys = await redis.keys()
          expect(
            keys.filter(
              (key) =>
                !/^tg:tasks:(meta|events|id|stalled-check|marker)$/.test(key) &&
                !/^tg:(worker|name):/.test(key),
            ),
          ).toEqual([])
        }, 2000)
      } finally {
        await stopWorkers([worker!])
      }
    } finally {
      await redis.stop()
    }
  })
})

describe('a cache directory that is a file', () => {
  it('is a usage error naming it, for run and every cache command, and nothing runs', async () => {
    await writeFile(join(project, 'a-file'), 'not a directory')
    for (const [directory, why] of [
      ['a-file', 'it is a file'],
      ['a-file/below', 'a-file is a file'],
    ] as const) {
      for (const command of [
        ['run', 'flow.ts'],
        ['cache', 'ls'],
        ['cache', 'prune'],
        ['cache', 'clear'],
        ['cache', 'why', 'flow.ts', 'square-3'],
      ]) {
        const { code, stdout, stderr, calls } = await run([...command, '--cache', directory])
        const what = `${command.join(' ')} --cache ${directory}`
        expect({ code, stdout, calls }, what).toEqual({ code: 2, stdout: '', calls: [] })
        expect(stderr.trim().split('\n'), what).toEqual([
          `taskgraph: error: taskgraph ${command.slice(0, command[0] === 'run' ? 1 : 2).join(' ')}: the cache directory ${directory} is not a directory (${why}). Give --cache (or TASKGRAPH_CACHE) a directory: one that is missing is made.`,
        ])
      }
    }
    // From the variable too.
    const fromVariable = await run(['run', 'flow.ts'], { TASKGRAPH_CACHE: 'a-file' })
    expect(fromVariable.code).toBe(2)
  })
})

// Clearing and pruning remove what a cache made by name: a project's own functions/
// and tmp/ would go with them.
describe("a cache directory that is a project's", () => {
  it('is a usage error for run and every cache command, and nothing in it changes', async () => {
    await write({ 'functions/handler.ts': 'export {}', 'tmp/upload.bin': 'data' })
    const files = async (): Promise<string[]> =>
      (await readdir(project, { recursive: true })).sort()
    const before = await files()
    for (const command of [
      ['run', 'flow.ts'],
      ['cache', 'ls'],
      ['cache', 'prune', '--max-size', '0'],
      ['cache', 'clear'],
      ['cache', 'why', 'flow.ts', 'square-3'],
    ]) {
      const { code, stdout, stderr, calls } = await run([...command, '--cache', '.'])
      const what = command.join(' ')
      expect({ code, stdout, calls }, what).toEqual({ code: 2, stdout: '', calls: [] })
      expect(stderr.trim().split('\n'), what).toEqual([
        expect.stringMatching(
          /^taskgraph: error: .* is not a taskgraph cache: it holds "[^"]+", which a cache does not make, and no CACHEDIR\.TAG of taskgraph's\. Give the cache a directory of its own/,
        ),
      ])
    }
    expect(await files()).toEqual(before)
  })
})

describe('a cache directory that does not exist', () => {
  it('is a usage error naming it for every cache command, whose typo would read as empty', async () => {
    for (const command of [
      ['cache', 'ls'],
      ['cache', 'prune'],
      ['cache', 'clear'],
      ['cache', 'why', 'flow.ts', 'square-3'],
    ]) {
      const { code, stdout, stderr } = await run([...command, '--cache', 'no/such-cache'])
      const what = command.join(' ')
      expect({ code, stdout }, what).toEqual({ code: 2, stdout: '' })
      expect(stderr, what).toMatch(
        /^taskgraph: error: [^\n]*--cache no\/such-cache[^\n]*does not exist[^\n]*\n$/,
      )
    }
    const fromVariable = await run(['cache', 'ls'], { TASKGRAPH_CACHE: 'no/such-cache' })
    expect(fromVariable.code).toBe(2)
    expect(fromVariable.stderr).toContain('TASKGRAPH_CACHE=no/such-cache')
  })

  it('is made by taskgraph run', async () => {
    const { code } = await run(['run', 'flow.ts', '--cache', 'new/cache'])
    expect(code).toBe(0)
    const listed = await runCli(['cache', 'ls', '--cache', 'new/cache'], { cwd: project })
    expect(listed.code).toBe(0)
  })
})

describe('a cache directory that is a link loop', () => {
  it('is one warning for a run, and CacheAccessError (exit 4) for every cache command', async () => {
    await symlink('loop-b', join(project, 'loop-a'))
    await symlink('loop-a', join(project, 'loop-b'))
    const ran = await run(['run', 'flow.ts', '--cache', 'loop-a'], { SQUARE_MS: '0' })
    expect({ code: ran.code, stdout: ran.stdout.trim(), calls: ran.calls.length }).toEqual({
      code: 0,
      stdout: '55',
      calls: 7,
    })
    expect(ran.stderr.match(/^taskgraph: warning: cache: .*ELOOP/gm)).toHaveLength(1)
    for (const command of [
      ['ls'],
      ['prune', '--max-size', '0'],
      ['clear'],
      ['why', 'flow.ts', 'square-3'],
    ]) {
      const { code, stderr } = await run(['cache', ...command, '--cache', 'loop-a'])
      expect(code, command[0]).toBe(4)
      expect(stderr, command[0]).toMatch(/^taskgraph: error: CacheAccessError: /)
    }
  })
})

// It warned ENOTDIR on every run and cached nothing; the cache commands said the
// directory does not exist.
describe('a cache directory that is a symbolic link to nothing', () => {
  it('is a usage error naming where it links, for run and the cache commands', async () => {
    await symlink('nowhere', join(project, 'dangling'))
    for (const args of [
      ['run', 'flow.ts', '--cache', 'dangling'],
      ['cache', 'ls', '--cache', 'dangling'],
    ]) {
      const { code, stderr, calls } = await run(args)
      expect({ code, calls: calls.length }, args[0]).toEqual({ code: 2, calls: 0 })
      expect(stderr, args[0]).toMatch(/^taskgraph: error: .*a symbolic link to nowhere/)
    }
  })
})

// A cache under a link to a disk not mounted: the run warned, on every run, that the
// link is "not a directory" and that the cache's own files were in the way, and cached
// nothing.
describe('a cache directory under a symbolic link to nothing', () => {
  it('is a usage error naming the link and where it links, from the flag or the variable', async () => {
    await symlink('unmounted', join(project, 'disk'))
    for (const [args, env] of [
      [['run', 'flow.ts', '--cache', 'disk/cache'], {}],
      [['run', 'flow.ts'], { TASKGRAPH_CACHE: 'disk/cache' }],
    ] as const) {
      const { code, stderr, calls } = await run(args, env)
      expect({ code, calls: calls.length }).toEqual({ code: 2, calls: 0 })
      expect(stderr).toMatch(
        /^taskgraph: error: [^\n]*disk\/cache[^\n]* under disk, a symbolic link to unmounted, which does not exist[^\n]*\n$/,
      )
    }
  })
})

describe('taskgraph cache', () => {
  beforeEach(async () => {
    await run(['run', 'flow.ts', '--json', '--cache', '.cache'])
  })

  it('ls lists the results, least recently used first; --json for programs', async () => {
    const listed = await runCli(['cache', 'ls', '--cache', '.cache'], { cwd: project })
    expect(listed.code).toBe(0)
    const lines = listed.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^KEY\s+TASK\s+FUNCTION\s+SIZE\s+USED$/)
    expect(
      lines
        .slice(1, -1)
        .map((line) => line.split(/\s+/)[2])
        .sort(),
    ).toEqual([...Array<string>(6).fill('square'), 'total'])
    expect(lines.at(-1)).toMatch(/^7 entries, \d+(\.\d)? (B|KiB)$/)
    const json = await runCli(['cache', 'ls', '--json'], {
      cwd: project,
      env: { TASKGRAPH_CACHE: '.cache' },
    })
    const entries = JSON.parse(json.stdout) as { key: string; task: string; bytes: number }[]
    expect(entries).toHaveLength(7)
    for (const entry of entries) expect(entry.key).toMatch(/^[0-9a-f]{64}$/)
  })

  it('prune --max-size 0 empties it; clear says how many it removed', async () => {
    const pruned = await runCli(['cache', 'prune', '--cache', '.cache', '--max-size', '0'], {
      cwd: project,
    })
    expect(pruned.stdout).toMatch(/^removed 7 entries \(.*\); 0 entries left \(0 B\)$/m)
    await run(['run', 'flow.ts', '--json', '--cache', '.cache'])
    const cleared = await runCli(['cache', 'clear', '--cache', '.cache'], { cwd: project })
    expect(cleared.stdout).toBe('removed 7 entries from .cache\n')
    const again = await run(['run', 'flow.ts', '--json', '--cache', '.cache'])
    expect(again.calls).toHaveLength(7)
  })

  it('why says a task would be read, and after an edit names the file that changed', async () => {
    const key = 'square-3'
    const why = (): Promise<{ code: number | null; stdout: string }> =>
      runCli(['cache', 'why', 'flow.ts', key, '--cache', '.cache'], { cwd: project })
    expect((await why()).stdout).toBe(
      `${key} (square) is in the cache: a run reads its result instead of running it.\n`,
    )
    await write({ 'lib/math.ts': 'export function times(a: number, b: number) { return b * a }' })
    const after = await why()
    expect(after.code).toBe(0)
    expect(after.stdout).toMatch(
      new RegExp(
        `^${key} \\(square\\) is not in the cache: what its key is made of changed since its result was stored, .*:\\n  - the source of \\.\\./lib/math\\.ts changed\\n$`,
      ),
    )
  })

  it('why names the value a factory-made function closes over, when that is what changed', async () => {
    await write({
      'scaled.ts': `import { delayed } from 'taskgraph'
function makeScaler(k: number) {
  return function scale(x: number): number {
    return x * k
  }
}
export default delayed(makeScaler(Number(process.env.SCALE)), { cache: true }).with({ key: 'scaled' })(2)
`,
    })
    const scaled = await run(['run', 'scaled.ts', '--json', '--cache', '.cache'], { SCALE: '2' })
    expect(JSON.parse(scaled.stdout)).toBe(4)
    const why = await runCli(['cache', 'why', 'scaled.ts', 'scaled', '--cache', '.cache'], {
      cwd: project,
      env: { SCALE: '3' },
    })
    expect(why.stdout).toMatch(
      /^scaled \(scale\) is not in the cache: what its key is made of changed since its result was stored, .*:\n {2}- the value its function closes over as k \(of makeScaler\) changed\n$/,
    )
  })

  it.for([
    [['cache', 'ls'], "give the cache's directory with --cache DIR (or set TASKGRAPH_CACHE)"],
    [
      ['cache', 'prune', '--cache', '.cache', '--max-size', 'lots'],
      'expected a size such as 500MB',
    ],
    [
      ['cache', 'prune', '--cache', '.cache', '--max-age', '3 fortnights'],
      'expected an age such as 7d',
    ],
    [
      ['cache', 'why', 'flow.ts', 'square-nope', '--cache', '.cache'],
      'TaskCache.explain: no task of the workflow has the key "square-nope"; keys like it: square-0, square-1',
    ],
    // The first column of `cache ls`: the key a result is stored under.
    [
      ['cache', 'why', 'flow.ts', 'ab'.repeat(32), '--cache', '.cache'],
      'That is the key a result is stored under; give the key of its task (the task column of taskgraph cache ls).',
    ],
  ])('%j is a usage error that says what to do', async ([args, message]) => {
    const result = await runCli(args as string[], { cwd: project })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(message)
  })
})
