// Re-runs of a workflow with a cache when something is at fault: results that cannot be
// stored, damaged entries, a directory removed, read-only or unreadable, impure tasks.
import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, onTestFinished, test } from 'vitest'
import { CacheAccessError, TaskCache } from '../src/index.js'
import {
  cacheDir,
  mountReadOnly,
  project,
  run,
  setCacheDir,
  useProjects,
  write,
} from './flow-runs.js'

useProjects()

describe('TaskCache on re-runs, at fault', () => {
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

  // big's 4 MiB result has a file of its own. Each step after it holds the main thread
  // for 250 ms, leaving the event loop a turn between steps: a file written a turn per
  // half MiB was still in tmp/ when the process was killed, six steps later. end, impure,
  // takes big's result itself: the re-run reads it, or makes it again.
  test.for(['inline', 'async'])(
    'on %s, a large result is kept as its task ends: a process killed tasks later loses it not',
    async (executor) => {
      await write({
        'killed.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const spin = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end); }
const big = delayed(function big() {
  logCall('big()')
  spin(200)
  return new Uint8Array(4 * 2 ** 20).fill(1)
}, { cache: true })
const step = delayed(function step(x: unknown, i: number) {
  logCall('step(' + i + ')')
  spin(250)
  return i
}, { cache: true })
const end = delayed(function end(x: number, bytes: Uint8Array) {
  if (process.env.CRASH === '1') process.kill(process.pid, 'SIGKILL')
  return x + bytes.length
})
const made = big()
let last: unknown = made
for (let i = 0; i < 6; i++) last = step(last, i)
export default end(last as number, made)
`,
      })
      await expect(run(executor, 'killed.ts', 'worthwhile', { CRASH: '1' })).rejects.toMatchObject({
        signal: 'SIGKILL',
      })
      const again = await run(executor, 'killed.ts')
      expect(again.result).toBe(5 + 4 * 2 ** 20)
      // The last step ended just before the kill: a killed process may lose what it
      // stored in its last 100 ms (docs/cache.md), so it may run again; the one before,
      // stored 250 ms before the kill (100 ms was the line, and missed now and then), and
      // nothing before it, not.
      expect(again.calls.filter((call) => call !== 'step(5)')).toEqual([])
    },
  )

  // Node reads at most 2 GiB - 1 from a file at once: such an entry was written by every
  // run, and then found unreadable and removed by the next. The array's pages are never
  // touched: it costs no memory, and the warning comes before it is copied.
  test('a result too large for an entry is not stored, says why, and the run goes on', async () => {
    await write({
      'huge.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const huge = delayed(function huge() { logCall('huge()'); return new Uint8Array(2 ** 31) }, { cache: true })
const length = delayed(function length(bytes: Uint8Array) { logCall('length()'); return bytes.length }, { cache: true })
export default length(huge())
`,
    })
    const first = await run('inline', 'huge.ts', 'all')
    expect(first).toMatchObject({ result: 2 ** 31, calls: ['huge()', 'length()'] })
    expect(first.warnings).toEqual([
      expect.stringMatching(
        /^cache: the results of "huge" cannot be stored, so they will run again: the result takes \d+ bytes serialized, more than the 2147483647 a cache entry can hold/,
      ),
    ])
    const second = await run('inline', 'huge.ts', 'all')
    expect(second).toMatchObject({ result: 2 ** 31, calls: [], warnings: [] })
  })

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

  // Each entry's checksum held, so each task read the other's result, with no warning.
  test("an index line naming another entry's place is a miss with a warning, and the answer is right", async () => {
    await write({
      'labels.ts': `import { delayed, gather } from '@taskgraph/core'
import { logCall } from './log-call.js'
const label = delayed(function label(n: number): string {
  logCall('label(' + n + ')')
  return 'label ' + n
}, { cache: true })
export default gather([label(1), label(2)])
`,
    })
    await run('inline', 'labels.ts')
    // The two entries' places, swapped (they are the same size).
    const index = join(cacheDir, 'index')
    const lines = (await readFile(index, 'utf8')).split('\n')
    const [a, b] = lines.flatMap((line, at) => (line.split(' ').length === 4 ? [at] : []))
    const [first, second] = [lines[a!]!.split(' '), lines[b!]!.split(' ')]
    ;[first[2], second[2]] = [second[2]!, first[2]!]
    lines[a!] = first.join(' ')
    lines[b!] = second.join(' ')
    await writeFile(index, lines.join('\n'))
    const swapped = await run('inline', 'labels.ts')
    expect(swapped.result).toEqual(['label 1', 'label 2'])
    expect(swapped.calls).toEqual(['label(1)', 'label(2)'])
    expect(swapped.warnings).toEqual([
      expect.stringMatching(
        /^cache entry .*: its checksum does not match its content \(or its key\): it is run again/,
      ),
      expect.stringMatching(
        /^cache entry .*: its checksum does not match its content \(or its key\): it is run again/,
      ),
    ])
  })

  test('a pack replaced by a directory is a miss with a warning saying how to mend it, as a damaged one is', async () => {
    const first = await run()
    const packs = join(cacheDir, 'packs')
    for (const pack of await readdir(packs)) {
      await rm(join(packs, pack))
      await mkdir(join(packs, pack))
    }
    const second = await run()
    expect(second.result).toEqual(first.result)
    expect(second.calls).toEqual(first.calls)
    expect(second.warnings.length).toBeGreaterThan(0)
    for (const warning of second.warnings.slice(0, 3))
      expect(warning).toMatch(
        /^cache entry .*: it cannot be read \(EISDIR: .*\): it is run again\. .*`taskgraph cache clear` removes the cache's own files\.$/,
      )
    expect((await run()).calls).toEqual([])
  })

  // Read as an empty index, it hid every packed entry from the cache's commands, and a
  // prune removed them all as unlisted.
  test('the index replaced by a directory: a run warns and goes on; ls and prune refuse, removing nothing; clear mends it', async () => {
    const first = await run()
    const packs = await readdir(join(cacheDir, 'packs'))
    await rm(join(cacheDir, 'index'))
    await mkdir(join(cacheDir, 'index'))
    const second = await run()
    expect(second.result).toEqual(first.result)
    expect(second.warnings).toEqual([
      expect.stringMatching(
        /^cache: could not read .*, so this run reads nothing from it: EISDIR: .*`taskgraph cache clear` removes the cache's own files/,
      ),
    ])
    const cache = new TaskCache(cacheDir)
    await expect(cache.entries()).rejects.toBeInstanceOf(CacheAccessError)
    await expect(cache.prune({ maxSize: 0 })).rejects.toBeInstanceOf(CacheAccessError)
    expect(await readdir(join(cacheDir, 'packs'))).toEqual(expect.arrayContaining(packs))
    await cache.clear()
    await run()
    expect((await run()).calls).toEqual([])
  })

  // Opening a named pipe to read waits for a writer, and to append for a reader: a pipe
  // put by hand in place of a pack, a large entry's file or the index held the run, and
  // `taskgraph cache ls`, for ever.
  test('packs and a large entry replaced by named pipes are misses with a warning, not a run that waits for ever', async () => {
    await write({
      'large.ts': `import { delayed, gather } from '@taskgraph/core'
import { logCall } from './log-call.js'
const big = delayed(function big(n: number) { logCall('big(' + n + ')'); return 'x'.repeat(n) }, { cache: true })
const small = delayed(function small(n: number) { logCall('small(' + n + ')'); return n }, { cache: true })
export default gather([big(300_000), small(1), small(2)])
`,
    })
    const first = await run('inline', 'large.ts', 'all')
    const entries = join(cacheDir, 'entries')
    const [shard] = await readdir(entries)
    const [entry] = await readdir(join(entries, shard!))
    const pipes = [join(entries, shard!, entry!)]
    for (const pack of await readdir(join(cacheDir, 'packs')))
      pipes.push(join(cacheDir, 'packs', pack))
    for (const path of pipes) {
      await rm(path)
      await promisify(execFile)('mkfifo', [path])
    }
    const second = await run('inline', 'large.ts', 'all')
    expect(second.result).toEqual(first.result)
    expect(second.calls).toEqual(first.calls)
    expect(second.warnings.length).toBeGreaterThan(0)
    for (const warning of second.warnings.slice(0, 3))
      expect(warning).toMatch(
        /^cache entry .*: it cannot be read \(EFTYPE: not a regular file .*\): it is run again\./,
      )
    await expect(new TaskCache(cacheDir).entries()).resolves.toHaveLength(first.calls.length)
    expect(await run('inline', 'large.ts', 'all')).toMatchObject({ calls: [], warnings: [] })
  })

  test('the index replaced by a named pipe: a run warns and goes on; ls and prune refuse; clear mends it', async () => {
    const first = await run()
    const index = join(cacheDir, 'index')
    await rm(index)
    await promisify(execFile)('mkfifo', [index])
    const second = await run()
    expect(second.result).toEqual(first.result)
    expect(second.warnings).toEqual([
      expect.stringMatching(
        /^cache: could not read .*, so this run reads nothing from it: EFTYPE: .*`taskgraph cache clear` removes the cache's own files/,
      ),
    ])
    const cache = new TaskCache(cacheDir)
    await expect(cache.entries()).rejects.toBeInstanceOf(CacheAccessError)
    await expect(cache.prune({ maxSize: 0 })).rejects.toBeInstanceOf(CacheAccessError)
    await cache.clear()
    await run()
    expect((await run()).calls).toEqual([])
  })

  test('a CACHEDIR.TAG replaced by a named pipe or a link to a device is not waited on', async () => {
    const first = await run()
    const stored = (await new TaskCache(cacheDir).entries()).length
    const tag = join(cacheDir, 'CACHEDIR.TAG')
    for (const replace of [
      () => promisify(execFile)('mkfifo', [tag]),
      () => symlink('/dev/zero', tag),
    ]) {
      await rm(tag)
      await replace()
      expect(await run()).toMatchObject({ result: first.result, calls: [], warnings: [] })
      await expect(new TaskCache(cacheDir).entries()).resolves.toHaveLength(stored)
    }
    await new TaskCache(cacheDir).clear()
    expect((await run()).calls).toEqual(first.calls)
  })

  // A result this large gets a file of its own (see `DiskCache`), not a place in a pack.
  test('a large entry replaced by a directory is a miss with one warning, and is stored again', async () => {
    await write({
      'large.ts': `import { delayed } from '@taskgraph/core'
import { logCall } from './log-call.js'
const big = delayed(function big(n: number) { logCall('big(' + n + ')'); return 'x'.repeat(n) }, { cache: true })
export default big(300_000)
`,
    })
    await run('inline', 'large.ts')
    const entries = join(cacheDir, 'entries')
    const [shard] = await readdir(entries)
    const [entry] = await readdir(join(entries, shard!))
    const path = join(entries, shard!, entry!)
    await rm(path)
    await mkdir(path)
    const second = await run('inline', 'large.ts')
    expect((second.result as string).length).toBe(300_000)
    expect(second.calls).toEqual(['big(300000)'])
    expect(second.warnings).toEqual([
      `cache entry ${path}: it cannot be read (EISDIR: illegal operation on a directory, read): it is run again.`,
    ])
    expect(await run('inline', 'large.ts')).toMatchObject({ calls: [], warnings: [] })
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
      setCacheDir(join(readOnly, 'cache'))
      const first = await run()
      expect(first.result).toEqual({ a: { the: 2, cat: 1 }, b: { a: 1, dog: 1 } })
      // Every write fails for the one reason: told once.
      expect(first.warnings).toEqual([
        `cache: could not write to ${cacheDir}, so the results this run could not store will run again next time: EROFS: read-only file system, mkdir '${cacheDir}'`,
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
      setCacheDir(join(mounted, 'cache'))
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
