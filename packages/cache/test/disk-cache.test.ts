import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { DiskCache } from '../src/disk-cache.js'

let directory: string
let cache: DiskCache
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-'))
  cache = new DiskCache(directory)
})
afterEach(() => rm(directory, { recursive: true, force: true }))

const KEY = 'ab'.repeat(32)
const info = { task: 'load-1', name: 'load', storedAt: 1_700_000_000_000 }

/** The one entry file of the cache. */
async function entryFile(): Promise<string> {
  const [shard] = await readdir(join(directory, 'entries'))
  const [file] = await readdir(join(directory, 'entries', shard!))
  return join(directory, 'entries', shard!, file!)
}

describe('DiskCache', () => {
  test('gives back what it stored, in the types a worker would hand back', async () => {
    const shared = new Uint8Array([1, 2, 3])
    const value = {
      big: 2n ** 70n,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Set(['x'])],
      ]),
      when: new Date(0),
      floats: new Float64Array([0.5, -1]),
      twice: [shared, shared],
      nested: { deep: [undefined, null, -0, 'text'] },
    }
    expect(await cache.get(KEY)).toEqual({ hit: false })
    await cache.put(KEY, value, info)
    const found = await cache.get(KEY)
    expect(found).toEqual({ hit: true, value })
    const back = (found as { value: typeof value }).value
    // One array, seen twice, as stored.
    expect(back.twice[0]).toBe(back.twice[1])
    expect(await cache.has(KEY)).toBe(true)
  })

  test('refuses a value it cannot serialize, and stores nothing', async () => {
    await expect(cache.put(KEY, { fn: () => 1 }, info)).rejects.toThrow()
    expect(await cache.has(KEY)).toBe(false)
    expect(await readdir(join(directory, 'tmp')).catch(() => [])).toEqual([])
  })

  test.for([
    [
      'a changed byte',
      async (path: string) => {
        const bytes = await readFile(path)
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1)
        await writeFile(path, bytes)
      },
    ],
    ['a file cut short', (path: string) => truncate(path, 50)],
    ['an empty file', (path: string) => truncate(path, 0)],
    ['a file of something else', (path: string) => writeFile(path, 'not an entry')],
  ] as const)('an entry with %s is a miss that says why, and is removed', async ([, damage]) => {
    await cache.put(KEY, { rows: [1, 2, 3] }, info)
    const path = await entryFile()
    await damage(path)
    const found = await cache.get(KEY)
    expect(found.hit).toBe(false)
    expect((found as { problem: string }).problem).toContain(path)
    expect(await cache.has(KEY)).toBe(false)
  })

  test('lists entries least recently used first, and a read counts as a use', async () => {
    const keys = ['01', '02', '03'].map((k) => k.repeat(32))
    for (const [i, key] of keys.entries()) {
      await cache.put(key, i, { ...info, task: `t-${i}` })
      const at = new Date(Date.now() - (10 - i) * 60_000)
      await utimes(join(directory, 'entries', key.slice(0, 2), key), at, at)
    }
    await cache.get(keys[0]!)
    expect((await cache.list()).map((entry) => entry.task)).toEqual(['t-1', 't-2', 't-0'])
  })

  test('prune evicts the least recently used past maxSize, and what is older than maxAge', async () => {
    const keys = ['01', '02', '03', '04'].map((k) => k.repeat(32))
    for (const [i, key] of keys.entries()) {
      await cache.put(key, new Uint8Array(10_000), { ...info, task: `t-${i}` })
      const at = new Date(Date.now() - (10 - i) * 60_000)
      await utimes(join(directory, 'entries', key.slice(0, 2), key), at, at)
    }
    const size = (await cache.list())[0]!.bytes
    // Room for two: the two used longest ago go.
    expect(await cache.prune({ maxSize: 2 * size + 10 })).toEqual({ removed: 2, bytes: 2 * size })
    expect((await cache.list()).map((entry) => entry.task)).toEqual(['t-2', 't-3'])
    // t-2 was last used 8 minutes ago, t-3 7 minutes ago.
    expect(await cache.prune({ maxAge: 7.5 * 60_000 })).toMatchObject({ removed: 1 })
    expect((await cache.list()).map((entry) => entry.task)).toEqual(['t-3'])
  })

  test('prune removes temporary files a dead writer left, once stale', async () => {
    await cache.put(KEY, 1, info)
    const fresh = join(directory, 'tmp', 'writing-now')
    const stale = join(directory, 'tmp', 'died-writing')
    await writeFile(fresh, 'half')
    await writeFile(stale, 'half')
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(stale, old, old)
    await cache.prune()
    expect(await readdir(join(directory, 'tmp'))).toEqual(['writing-now'])
    expect(await cache.has(KEY)).toBe(true)
  })

  test('clear removes every entry', async () => {
    await cache.put(KEY, 1, info)
    await cache.put('cd'.repeat(32), 2, info)
    expect(await cache.clear()).toBe(2)
    expect(await cache.list()).toEqual([])
  })

  // Two runs sharing a directory: three processes store and read the same keys at once.
  // Every read finds a whole entry or none, never a torn one.
  test('processes sharing a directory never read a torn entry', async () => {
    const run = promisify(execFile)
    const hammer = join(import.meta.dirname, 'fixtures', 'hammer.ts')
    const outputs = await Promise.all(
      ['a', 'bb', 'ccc'].map((who) =>
        run(process.execPath, ['--import', 'tsx', hammer, directory, who, '15']),
      ),
    )
    for (const { stdout } of outputs) {
      const { hits, wrong } = JSON.parse(stdout) as { hits: number; wrong: string[] }
      expect(wrong).toEqual([])
      expect(hits).toBeGreaterThan(0)
    }
    expect(await readdir(join(directory, 'tmp'))).toEqual([])
  })
})
