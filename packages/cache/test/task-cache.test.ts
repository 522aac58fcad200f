import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, onTestFinished, test } from 'vitest'
import { CacheAccessError, TaskCache } from '../src/index.js'

// Each run is a process of its own, as re-runs of a workflow are: the second finds what
// the first stored, in a directory both know only by name.

const RUN_FLOW = join(import.meta.dirname, 'fixtures', 'run-flow.ts')
const SCHEDULER = join(import.meta.dirname, '..', 'node_modules', '@taskgraph', 'scheduler')

let project: string
let cacheDir: string
let log: string
beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'taskgraph-cache-flow-'))
  cacheDir = join(project, '.cache')
  log = join(project, 'calls.log')
  // The flow imports taskgraph's scheduler and core as a project would.
  await mkdir(join(project, 'node_modules', '@taskgraph'), { recursive: true })
  const { realpath } = await import('node:fs/promises')
  await symlink(await realpath(SCHEDULER), join(project, 'node_modules', '@taskgraph', 'scheduler'))
  const core = await realpath(join(SCHEDULER, 'node_modules', '@taskgraph', 'core'))
  await symlink(core, join(project, 'node_modules', '@taskgraph', 'core'))
  await write({ 'package.json': '{ "type": "module" }' })
})
afterEach(() => rm(project, { recursive: true, force: true }))

async function write(tree: Record<string, string>): Promise<void> {
  for (const [path, source] of Object.entries(tree)) {
    await mkdir(dirname(join(project, path)), { recursive: true })
    await writeFile(join(project, path), source)
  }
}

/** Mounts a read-only tmpfs at `path`: `false` where this process may not mount one (not root). */
function mountReadOnly(path: string): Promise<boolean> {
  const args = ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', path]
  return promisify(execFile)('mount', args).then(
    () => true,
    () => false,
  )
}

interface Run {
  readonly result: unknown
  readonly warnings: string[]
  readonly summary: { done: number; cached: number; failed: number }
  /** The task calls the run made, as `name(arg)`, sorted. */
  readonly calls: string[]
}

/** `store`: the TaskCache option (see `TaskCacheOptions.store`). */
async function run(executor = 'inline', flow = 'flow.ts', store = 'worthwhile'): Promise<Run> {
  await rm(log, { force: true })
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', RUN_FLOW, join(project, flow), cacheDir, executor, store],
    { env: { ...process.env, TASK_LOG: log } },
  )
  const calls = (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean).sort()
  return { ...(JSON.parse(stdout) as Omit<Run, 'calls'>), calls }
}

// load (impure: reads its input each run) → clean (cached) → count (cached), twice, and
// a summary of both (pure); clean's helper is two imports away.
const FLOW = {
  'log-call.ts': `import { appendFileSync } from 'node:fs'
export function logCall(call: string): void {
  appendFileSync(process.env.TASK_LOG!, call + '\\n')
}`,
  'lib/words.ts': `export function words(text: string): string[] {
  return text.split(/\\s+/).filter(Boolean)
}`,
  'steps/clean.ts': `import { words } from '../lib/words.js'
import { logCall } from '../log-call.js'
export function clean(text: string): string[] {
  logCall('clean(' + text + ')')
  return words(text.toLowerCase())
}`,
  'steps/count.ts': `import { logCall } from '../log-call.js'
export function count(words: string[]): Map<string, number> {
  logCall('count(' + words.join(' ') + ')')
  const counts = new Map<string, number>()
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1)
  return counts
}`,
  'flow.ts': `import { delayed, gather } from '@taskgraph/core'
import { clean } from './steps/clean.js'
import { count } from './steps/count.js'
import { logCall } from './log-call.js'
const cleanTask = delayed(clean, { cache: true })
const countTask = delayed(count, { cache: true })
const both = delayed(function both(a: Map<string, number>, b: Map<string, number>) {
  logCall('both()')
  return { a: Object.fromEntries(a), b: Object.fromEntries(b) }
}, { pure: true })
export default both(countTask(cleanTask('The cat The')), countTask(cleanTask('a Dog')))
`,
}

describe('TaskCache on re-runs', () => {
  beforeEach(() => write(FLOW))

  test.for(['inline', 'threads', 'processes'])(
    'on %s, a second run runs no task and gives an equal result',
    async (executor) => {
      const first = await run(executor)
      expect(first.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
      expect(first.calls).toEqual([
        'both()',
        'clean(The cat The)',
        'clean(a Dog)',
        'count(a dog)',
        'count(the cat the)',
      ])
      expect(first.summary).toMatchObject({ done: 5, cached: 0 })
      const second = await run(executor)
      expect(second.calls).toEqual([])
      expect(second.result).toEqual(first.result)
      // The target's result was read, and nothing below it.
      expect(second.summary).toMatchObject({ done: 0, cached: 1 })
      expect(second.warnings).toEqual([])
    },
  )

  test('a result whose recipe could not be written is not kept: no entry a later run would pass over', async () => {
    // Where the recipes go is taken by a file: they cannot be written, the packs can.
    await mkdir(cacheDir, { recursive: true })
    await writeFile(join(cacheDir, 'functions'), 'not a directory')
    const first = await run('inline', 'flow.ts', 'all')
    expect(first.warnings).toEqual([
      expect.stringMatching(
        /^cache: could not write to .*EEXIST: file already exists/,
      ) as unknown as string,
    ])
    expect(await new TaskCache(cacheDir).entries()).toEqual([])
    await rm(join(cacheDir, 'functions'))
    await run('inline', 'flow.ts', 'all')
    const third = await run('inline', 'flow.ts', 'all')
    expect(third.calls).toEqual([])
  })

  // What a run killed at any moment keeps: each pack is written in one turn of the event
  // loop, so tasks that hold the main thread do not stretch the write over several.
  test.for(['inline', 'async'])(
    'on %s, the results of tasks that hold the main thread are on disk before the task after next begins',
    async (executor) => {
      await write({
        'held.ts': `import { readFileSync } from 'node:fs'
import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
// Each step holds the thread 150 ms, having counted the entries in the cache's index.
const hold = delayed(function hold(i: number) {
  const index = (() => { try { return readFileSync(${JSON.stringify(join(cacheDir, 'index'))}, 'utf8') } catch { return '' } })()
  logCall(i + ' ' + index.split('\\n').filter((line) => /^[0-9a-f]{64} /.test(line)).length)
  const end = Date.now() + 150
  while (Date.now() < end);
  return i
}, { cache: true })
const sum = delayed(function sum(...values: number[]) { return values.length }, { cache: true })
export default sum(...Array.from({ length: 6 }, (_, i) => hold(i)))
`,
      })
      const { calls } = await run(executor, 'held.ts')
      const stored = new Map(calls.map((call) => call.split(' ').map(Number) as [number, number]))
      expect(stored.size).toBe(6)
      for (const [step, entries] of stored) expect(entries).toBeGreaterThanOrEqual(step - 2)
    },
  )

  test('editing a helper two imports away runs again exactly the tasks that reach it', async () => {
    await run()
    await write({
      'lib/words.ts': `export function words(text: string): string[] {
  return text.split(/\\s+/).filter((word) => word.length > 1)
}`,
    })
    const edited = await run()
    // clean reaches words.ts; count and both run again because their input changed.
    expect(edited.calls).toEqual([
      'both()',
      'clean(The cat The)',
      'clean(a Dog)',
      'count(dog)',
      'count(the cat the)',
    ])
    expect(edited.result).toEqual({ a: { the: 2, cat: 1 }, b: { dog: 1 } })
  })

  // Its steps take microseconds: only the target would be worth storing by default. On a
  // pool, clean and count are fused into one call: clean's result comes back for the cache.
  test.for(['inline', 'threads', 'processes'])(
    "on %s, changing one input runs only what depends on it (store: 'all')",
    async (executor) => {
      await run(executor, 'flow.ts', 'all')
      await write({ 'flow.ts': FLOW['flow.ts'].replace("'a Dog'", "'a Fox'") })
      const changed = await run(executor, 'flow.ts', 'all')
      expect(changed.calls).toEqual(['both()', 'clean(a Fox)', 'count(a fox)'])
      expect(changed.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, fox: 1 } })
      expect(changed.warnings).toEqual([])
    },
  )

  // Fused into its consumer, such a result never has to leave the worker: the run goes on.
  // An object without a prototype crosses, as a plain object: the copy is not what bare
  // made, which protoOf, fused after it in its worker, saw. Neither bare(1), a step, nor
  // bare(2), a call's result, is stored: a re-run computes what the first run did.
  test.for(['threads', 'processes'])(
    'on %s, a cached result that cannot leave its worker, or that a copy would change, is not stored, says why, and the run goes on',
    async (executor) => {
      await write({
        'instance.ts': `import { delayed, gather } from '@taskgraph/core'
import { logCall } from './log-call.js'
class Point { constructor(readonly x: number, readonly y: number) {} }
const make = delayed(function make(x: number) { logCall('make(' + x + ')'); return new Point(x, x + 1) }, { cache: true })
const sum = delayed(function sum(point: Point) { logCall('sum()'); return point.x + point.y }, { cache: true })
const bare = delayed(function bare(x: number) {
  logCall('bare(' + x + ')')
  return Object.assign(Object.create(null) as object, { x })
}, { cache: true })
const protoOf = delayed(function protoOf(o: object) { logCall('protoOf()'); return Object.getPrototypeOf(o) === null })
export default gather([sum(make(3)), protoOf(bare(1)), bare(2)])
`,
      })
      const first = await run(executor, 'instance.ts', 'all')
      expect(first.result).toEqual([7, true, { x: 2 }])
      expect(first.warnings.sort()).toEqual([
        'cache: the results of "bare" cannot be stored, so they will run again: the result is an object without a prototype (Object.create(null)), which a copy gives the prototype of plain objects.',
        'cache: the results of "make" cannot be stored, so they will run again: the result is an instance of Point, which does not survive the copy from its worker.',
      ])
      const second = await run(executor, 'instance.ts', 'all')
      expect(second.calls).toEqual(['bare(1)', 'bare(2)', 'protoOf()'])
      expect(second.result).toEqual([7, true, { x: 2 }])
    },
  )

  // Results that are never stored, each 200 ms to make: make's, a class instance, which
  // cannot leave its worker, and load's, kept out of the cache (pure, cache: false). What
  // they cost falls on xOf's result after them in their chains, made in microseconds: it is
  // kept, and a run that needs it again reads it instead of making both again.
  test.for(['threads', 'processes'])(
    'on %s, a cheap step after a slow one that is not stored is kept, as worth what it stands for',
    async (executor) => {
      await write({
        'steps.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const wait = () => new Promise((resolve) => setTimeout(resolve, 200))
class Point { constructor(readonly x: number) {} }
export const make = delayed(async function make(x: number) {
  logCall('make(' + x + ')')
  await wait()
  return new Point(x)
}, { cache: true })
export const load = delayed(async function load(x: number) {
  logCall('load(' + x + ')')
  await wait()
  return { x }
}, { pure: true, cache: false })
// Not logged: a line appended to a file takes longer than the least worthwhile result.
export const xOf = delayed(function xOf(point: { x: number }) { return point.x }, { cache: true })
export const twice = delayed(function twice(x: number) { logCall('twice(' + x + ')'); return 2 * x }, { cache: true })
export const thrice = delayed(function thrice(x: number) { logCall('thrice(' + x + ')'); return 3 * x }, { cache: true })
export const add = delayed(function add(a: number, b: number) { logCall('add()'); return a + b }, { cache: true })
`,
        'twice.ts':
          "import { add, load, make, twice, xOf } from './steps.js'\nexport default add(twice(xOf(make(3))), twice(xOf(load(4))))\n",
        'thrice.ts':
          "import { add, load, make, thrice, xOf } from './steps.js'\nexport default add(thrice(xOf(make(3))), thrice(xOf(load(4))))\n",
      })
      const made = await run(executor, 'twice.ts')
      expect(made).toMatchObject({
        result: 14,
        calls: ['add()', 'load(4)', 'make(3)', 'twice(3)', 'twice(4)'],
        warnings: [expect.stringMatching(/^cache: the results of "make" cannot be stored/)],
      })
      const again = await run(executor, 'thrice.ts')
      expect(again).toMatchObject({
        result: 21,
        calls: ['add()', 'thrice(3)', 'thrice(4)'],
        warnings: [],
      })
    },
  )

  test('a damaged entry is a miss with a warning, and the answer is right', async () => {
    const first = await run()
    // Damage every entry: the run finds none it can believe, says so, and runs it all.
    const packs = join(cacheDir, 'packs')
    for (const pack of await readdir(packs)) await writeFile(join(packs, pack), 'garbage')
    const second = await run()
    expect(second.result).toEqual(first.result)
    expect(second.calls).toEqual(first.calls)
    // The first three named, the others counted.
    expect(second.warnings.length).toBeGreaterThan(0)
    for (const warning of second.warnings.slice(0, 3))
      expect(warning).toMatch(
        /cache entry .*: it is not a taskgraph cache entry .*: it is run again/,
      )
    for (const warning of second.warnings.slice(3))
      expect(warning).toMatch(/^\d+ more cache entries in .* could not be read either/)
    // And stored again, sound.
    expect((await run()).calls).toEqual([])
  })

  test('many damaged entries: the first three are named, the others counted in one warning', async () => {
    await run('inline', 'flow.ts', 'all')
    const packs = join(cacheDir, 'packs')
    for (const pack of await readdir(packs)) await writeFile(join(packs, pack), 'garbage')
    const second = await run('inline', 'flow.ts', 'all')
    expect(second.calls).toHaveLength(5)
    expect(second.warnings).toHaveLength(4)
    for (const warning of second.warnings.slice(0, 3))
      expect(warning).toMatch(
        /^cache entry .*: it is not a taskgraph cache entry .*: it is run again\.$/,
      )
    expect(second.warnings[3]).toBe(
      `2 more cache entries in ${cacheDir} could not be read either: their tasks run again, and their results are stored anew.`,
    )
  })

  test('the directory removed while a run stores is made again, and the next run reads what was stored after', async () => {
    // A chain of six steps; the fourth removes the cache directory (as `rm -rf` or
    // `taskgraph cache clear` would while the run goes on), once the first results and
    // the function's recipe are written.
    await write({
      'remover.ts': `import { rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const step = delayed(async function step(x: number) {
  logCall('step(' + x + ')')
  await new Promise((resolve) => setTimeout(resolve, 150))
  if (x === 3) rmSync(join(dirname(process.env.TASK_LOG!), '.cache'), { recursive: true, force: true })
  return x + 1
}, { cache: true })
let value = step(0)
for (let i = 1; i < 6; i++) value = step(value)
export default value
`,
    })
    const first = await run('async', 'remover.ts')
    expect(first.result).toBe(6)
    expect(first.calls).toHaveLength(6)
    expect(first.warnings).toEqual([])
    const second = await run('async', 'remover.ts')
    expect(second.result).toBe(6)
    expect(second.calls).toEqual([])
  })

  // Node's recursive mkdir says ENOENT there, "no such file or directory": the warning
  // would send the user looking for a missing directory.
  test('a directory on a read-only file system: the answer is right, and one warning says why', async (context) => {
    const readOnly = join(project, 'read-only')
    await mkdir(readOnly)
    if (!(await mountReadOnly(readOnly))) context.skip('mounting a file system is not allowed here')
    try {
      cacheDir = join(readOnly, 'cache')
      const first = await run()
      expect(first.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
      // Every write fails for the one reason: told once.
      expect(first.warnings).toEqual([
        `cache: could not write to ${cacheDir}, so this run's results will run again: EROFS: read-only file system, mkdir '${cacheDir}'`,
      ])
    } finally {
      await promisify(execFile)('umount', [readOnly])
    }
  })

  test('prune and clear of a cache on a file system made read-only: CacheAccessError, naming the directory and the cause', async (context) => {
    const mounted = join(project, 'mounted')
    await mkdir(mounted)
    const args = ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mounted]
    const mounts = await promisify(execFile)('mount', args).then(
      () => true,
      () => false,
    )
    if (!mounts) context.skip('mounting a file system is not allowed here')
    try {
      cacheDir = join(mounted, 'cache')
      await run()
      await promisify(execFile)('mount', ['-o', 'remount,ro', mounted])
      const cache = new TaskCache(cacheDir)
      for (const [call, change] of [
        ['TaskCache.prune', () => cache.prune({ maxSize: 0 })],
        ['TaskCache.clear', () => cache.clear()],
      ] as const) {
        const error = await change().catch((e: unknown) => e)
        expect(error).toBeInstanceOf(CacheAccessError)
        expect(error).toMatchObject({ code: 'ERR_CACHE_ACCESS', directory: cacheDir })
        expect((error as Error).message).toMatch(
          new RegExp(
            `^${call}: could not use the cache in ${cacheDir} \\(EROFS: read-only file system, `,
          ),
        )
      }
      // Nothing was lost: the entries are all there.
      expect(await cache.entries()).not.toEqual([])
    } finally {
      await promisify(execFile)('umount', [mounted])
    }
  })

  test('a cache that cannot be read: a run says so once and runs; entries() rejects with CacheAccessError', async () => {
    await run()
    // A link to itself: reading it fails (ELOOP), for any user.
    await rm(join(cacheDir, 'index'))
    await symlink(join(cacheDir, 'index'), join(cacheDir, 'index'))
    const again = await run()
    expect(again.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
    expect(again.calls).toHaveLength(5)
    expect(again.warnings[0]).toMatch(
      new RegExp(`^cache: could not read ${cacheDir}, so this run reads nothing from it: ELOOP`),
    )
    const error = await new TaskCache(cacheDir).entries().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheAccessError)
    expect((error as Error).message).toMatch(
      new RegExp(`^TaskCache\\.entries: could not use the cache in ${cacheDir} \\(ELOOP`),
    )
  })

  test('an impure task runs every time; what depends on it is not cached, and says why', async () => {
    await write({
      'impure.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const now = delayed(function stamp() { logCall('stamp()'); return 'fixed' })
const shout = delayed(function shout(text: string) { logCall('shout(' + text + ')'); return text.toUpperCase() }, { cache: true })
export default shout(now())
`,
    })
    const first = await run('inline', 'impure.ts')
    const second = await run('inline', 'impure.ts')
    expect(first.calls).toEqual(['shout(fixed)', 'stamp()'])
    expect(second.calls).toEqual(first.calls)
    expect(second.result).toBe('FIXED')
    expect(second.warnings).toEqual([
      expect.stringMatching(
        /^cache: a task of "shout" cannot be cached, so it runs: it depends on the impure task "stamp-/,
      ),
    ])
  })

  test('a task whose module imports through a path alias is not cached, and says why', async () => {
    await write({
      // tsconfig paths, which tsx follows: the cache cannot tell what '@app/…' stands for.
      'tsconfig.json': JSON.stringify({ compilerOptions: { paths: { '@app/*': ['./app/*'] } } }),
      'app/loud.ts': 'export const loud = (text: string) => text.toUpperCase()',
      'aliased.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
import { loud } from '@app/loud'
// import type { Unused } from '@app/types' (a comment, and type-only: neither loads code)
const shout = delayed(function shout(text: string) { logCall('shout(' + text + ')'); return loud(text) }, { cache: true })
export default shout('hey')
`,
    })
    process.env.TSX_TSCONFIG_PATH = join(project, 'tsconfig.json')
    onTestFinished(() => {
      delete process.env.TSX_TSCONFIG_PATH
    })
    const first = await run('inline', 'aliased.ts')
    const second = await run('inline', 'aliased.ts')
    expect(second.calls).toEqual(['shout(hey)'])
    expect(second.result).toBe(first.result)
    expect(second.warnings).toEqual([
      expect.stringMatching(
        /^cache: a task of "shout" cannot be cached, so it runs: its module imports .*"@app\/loud", which names no installed package \(a path alias\?\)/,
      ),
    ])
  })
})
