import { execFile, spawn } from 'node:child_process'
import {
  appendFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { DiskCache } from '../src/disk-cache.js'
import { foreignDirectory } from '../src/foreign-directory.js'

let directory: string
/** The stores a test opened: closed after it, so no pack it read is left open. */
const opened: DiskCache[] = []
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-'))
})
afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close().catch(() => {})))
  await rm(directory, { recursive: true, force: true })
})

const info = { task: 'load-1', name: 'load', storedAt: 1_700_000_000_000 }
// Keys of different first bytes: large entries are filed by them.
const key = (n: number): string => n.toString(16).padEnd(64, 'f')
/** A value that gets a file of its own. */
const LARGE = { rows: new Float64Array(100_000).fill(2) }

/** A new store on the directory, as the next run would open it. */
async function reopened(): Promise<DiskCache> {
  const store = new DiskCache(directory)
  opened.push(store)
  await store.load()
  return store
}

/** Stores `entries` as one run would, then closes. */
async function stored(entries: [string, unknown][]): Promise<void> {
  const store = await reopened()
  for (const [k, value] of entries) store.put(k, value, { ...info, task: k })
  await store.close()
}

/** The pack the index says holds `k` (packs are named by time only to the millisecond). */
async function packOf(k: string): Promise<string> {
  const index = await readFile(join(directory, 'index'), 'utf8')
  return index
    .split('\n')
    .find((line) => line.startsWith(`${k} `))!
    .split(' ')[1]!
}

/** Marks `pack` as last used `minutes` ago. */
async function lastUsed(pack: string, minutes: number): Promise<void> {
  const at = new Date(Date.now() - minutes * 60_000)
  await utimes(join(directory, 'packs', pack), at, at)
}

async function files(path: string): Promise<string[]> {
  return readdir(join(directory, path)).catch(() => [])
}

/** Mounts a tmpfs of `size` on the test's directory: `false` where this process may not. */
function mountTmpfs(size: string): Promise<boolean> {
  const args = ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', directory]
  return promisify(execFile)('mount', args).then(
    () => true,
    () => false,
  )
}

/** Unmounts it, even with files left open by a test that failed. */
async function unmount(): Promise<void> {
  await promisify(execFile)('umount', ['--lazy', directory])
}

describe('DiskCache', () => {
  test('gives back what it stored, in the types a worker would hand back, small and large', async () => {
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
    await stored([
      [key(1), value],
      [key(2), LARGE],
    ])
    // The small one went into a pack, the large one into a file of its own.
    expect(await files('packs')).toHaveLength(1)
    expect(await files(`entries/${key(2).slice(0, 2)}`)).toEqual([key(2)])
    const store = await reopened()
    const found = await store.get(key(1))
    expect(found).toEqual({ hit: true, value })
    const back = (found as { value: typeof value }).value
    // One array, seen twice, as stored.
    expect(back.twice[0]).toBe(back.twice[1])
    expect(await store.get(key(2))).toEqual({ hit: true, value: LARGE })
    expect(await store.get(key(3))).toEqual({ hit: false })
    expect([key(1), key(2), key(3)].map((k) => store.mayHave(k))).toEqual([true, true, false])
    await store.close()
  })

  test('writes a run’s small entries as one pack, not a file each', async () => {
    await stored(Array.from({ length: 500 }, (_, i) => [key(i), i] as [string, unknown]))
    expect(await files('packs')).toHaveLength(1)
    expect(await files('entries')).toEqual([])
    const store = await reopened()
    expect(await store.get(key(499))).toEqual({ hit: true, value: 499 })
  })

  test('a directory removed while a run stores is made again, with what the run stores after', async () => {
    const store = await reopened()
    store.put(key(1), 1, info)
    await store.flush()
    await rm(directory, { recursive: true, force: true })
    store.put(key(2), 2, info)
    store.put(key(3), LARGE, info)
    // The small entry is written by the store's own timer, nobody awaiting it.
    await sleep(300)
    await store.close()
    const again = await reopened()
    expect(await again.get(key(2))).toEqual({ hit: true, value: 2 })
    expect(await again.get(key(3))).toEqual({ hit: true, value: LARGE })
  })

  test('entries that cannot be written reject close, and nothing rejects unhandled', async () => {
    const store = await reopened()
    store.put(key(1), 1, info)
    await store.flush()
    // The directory replaced by a file: nothing can be written under it.
    await rm(directory, { recursive: true, force: true })
    await writeFile(directory, 'not a directory')
    const unhandled: unknown[] = []
    const listener = (reason: unknown): void => void unhandled.push(reason)
    process.on('unhandledRejection', listener)
    try {
      store.put(key(2), 2, info)
      await sleep(300)
      await expect(store.close()).rejects.toThrow(/ENOTDIR|EEXIST/)
      await sleep(50)
    } finally {
      process.off('unhandledRejection', listener)
      await rm(directory, { force: true })
    }
    expect(unhandled).toEqual([])
  })

  test('refuses a value it cannot serialize, at once, and stores nothing', async () => {
    const store = await reopened()
    expect(() => store.put(key(1), { fn: () => 1 }, info)).toThrow()
    await store.close()
    expect(await (await reopened()).get(key(1))).toEqual({ hit: false })
    expect(await files('tmp')).toEqual([])
  })

  test('the latest of two runs storing one key is read', async () => {
    await stored([[key(1), 'first']])
    await stored([[key(1), 'second']])
    expect(await (await reopened()).get(key(1))).toEqual({ hit: true, value: 'second' })
  })

  test.for([
    ['a changed byte', 'flip'],
    ['a pack cut short', 'truncate'],
    ['a pack of something else', 'replace'],
  ] as const)(
    'a packed entry in %s is a miss that says why; an older sound copy is read instead',
    async ([, damage]) => {
      await stored([[key(1), 'older']])
      await stored([[key(1), 'newer']])
      // The index lists them in the order they were written (each batch begun on a line
      // of its own).
      const [first, second] = (await readFile(join(directory, 'index'), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split(' ')[1]!)
      const path = join(directory, 'packs', second!)
      if (damage === 'flip') {
        const bytes = await readFile(path)
        bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1)
        await writeFile(path, bytes)
      } else if (damage === 'truncate') await truncate(path, 20)
      else await writeFile(path, 'not a pack')
      expect(await (await reopened()).get(key(1))).toEqual({ hit: true, value: 'older' })
      await rm(join(directory, 'packs', first!))
      const found = await (await reopened()).get(key(1))
      expect(found.hit).toBe(false)
      expect((found as { problem: string }).problem).toContain(path)
    },
  )

  test('a large entry damaged is a miss that says why, and is removed', async () => {
    await stored([[key(2), LARGE]])
    const path = join(directory, 'entries', key(2).slice(0, 2), key(2))
    await truncate(path, 50)
    const store = await reopened()
    const found = await store.get(key(2))
    expect(found.hit).toBe(false)
    expect((found as { problem: string }).problem).toContain(path)
    expect(await files(`entries/${key(2).slice(0, 2)}`)).toEqual([])
  })

  test('a pack that cannot be read (a directory in its place) is a miss that says why', async () => {
    await stored([[key(1), 1]])
    const pack = join(directory, 'packs', await packOf(key(1)))
    await rm(pack)
    await mkdir(pack)
    const found = await (await reopened()).get(key(1))
    expect(found).toMatchObject({ hit: false, cause: { code: 'EISDIR' } })
    expect((found as { problem: string }).problem).toContain(pack)
    await expect((await reopened()).list()).rejects.toMatchObject({ code: 'EISDIR' })
    // Clearing is what mends it.
    expect(await (await reopened()).clear()).toBe(0)
    await stored([[key(1), 1]])
    expect(await (await reopened()).get(key(1))).toEqual({ hit: true, value: 1 })
  })

  // Its pack written, the index has room for part of the run's lines: the first one cut
  // in its length would name the first entry's bytes wrongly, a damaged entry to the
  // next run, and the pack would keep the space of entries nothing names.
  test('on a full disk, a pack whose index lines could not be appended whole goes, and its entries are plain misses', async (context) => {
    if (!(await mountTmpfs('64k'))) context.skip('mounting a file system is not allowed here')
    try {
      const first = await reopened()
      first.put(key(0), 'made before', info)
      await first.close()
      // The index filled to where the next run's first line, after the newline it starts
      // with, is cut in its length: `KEY PACK 0 1`.
      const pack = `${Date.now().toString(36)}-${process.pid}-00000000`
      const index = join(directory, 'index')
      const cut = 4096 - `\n${key(1)} ${pack} 0 1`.length
      const size = (await readFile(index)).byteLength
      await appendFile(index, `${'x'.repeat(cut - size - 1)}\n`)
      // Every page of the disk taken, but one for the pack.
      let fillers = 0
      for (; ; fillers++) {
        const written = await writeFile(
          join(directory, `filler-${fillers}`),
          Buffer.alloc(4096),
        ).then(
          () => true,
          () => false,
        )
        if (!written) break
      }
      await rm(join(directory, `filler-${fillers - 1}`))
      const store = await reopened()
      // Read by the run, key 0's pack is not evicted to make room: nothing can be.
      expect(await store.get(key(0))).toEqual({ hit: true, value: 'made before' })
      for (let k = 1; k <= 20; k++) store.put(key(k), k, info)
      await expect(store.close()).rejects.toMatchObject({ code: 'ENOSPC' })
      expect(await files('packs')).toHaveLength(1)
      expect(await files('tmp')).toEqual([])
      for (let f = 0; f < fillers; f++) await rm(join(directory, `filler-${f}`), { force: true })
      const next = await reopened()
      for (let k = 1; k <= 20; k++) expect(await next.get(key(k))).toEqual({ hit: false })
      expect(await next.get(key(0))).toEqual({ hit: true, value: 'made before' })
      await next.close()
    } finally {
      await unmount()
    }
  })

  // 512 KiB: three packs of 120 KB fill most of it; a large entry of 300 KB needs two of
  // them gone, and only the two the run did not read can go.
  test('on a full disk, the least recently used entries the run did not read are evicted to make room', async (context) => {
    if (!(await mountTmpfs('512k'))) context.skip('mounting a file system is not allowed here')
    try {
      for (const n of [1, 2, 3]) await stored([[key(n), String(n).repeat(120_000)]])
      // Key 1's pack the least recently used, then key 2's, key 3's.
      for (const n of [1, 2, 3]) await lastUsed(await packOf(key(n)), 40 - 10 * n)
      const store = await reopened()
      expect(await store.get(key(1))).toMatchObject({ hit: true })
      // 300 KB: a file of its own.
      store.put(key(4), new Float64Array(37_500), info)
      await store.close()
      // As a run does after it stored results: nothing is past the limits.
      expect(await store.prune()).toEqual({ removed: 0, bytes: 0 })
      const next = await reopened()
      const found = await Promise.all([1, 2, 3, 4].map(async (n) => (await next.get(key(n))).hit))
      expect(found).toEqual([true, false, false, true])
      await next.close()
      // And the index no longer names what went.
      const index = await readFile(join(directory, 'index'), 'utf8')
      expect(index.split('\n').filter(Boolean)).toEqual([expect.stringMatching(`^${key(1)} `)])
    } finally {
      await unmount()
    }
  })

  // The run read what is there: nothing can be evicted, and the pack of all three does not
  // fit. Lost whole, it would keep the two that do out of the cache.
  test('on a full disk, the entries of a pack that fit are kept, and close rejects for the others', async (context) => {
    if (!(await mountTmpfs('256k'))) context.skip('mounting a file system is not allowed here')
    try {
      await stored([[key(1), '1'.repeat(120_000)]])
      const store = await reopened()
      expect(await store.get(key(1))).toMatchObject({ hit: true })
      store.put(key(2), '2'.repeat(40_000), info)
      store.put(key(3), '3'.repeat(200_000), info)
      store.put(key(4), '4'.repeat(20_000), info)
      await expect(store.close()).rejects.toMatchObject({ code: 'ENOSPC' })
      expect(await files('tmp')).toEqual([])
      const next = await reopened()
      const found = await Promise.all([1, 2, 3, 4].map(async (n) => await next.get(key(n))))
      expect(found.map((lookup) => lookup.hit)).toEqual([true, true, false, true])
      expect(found[2]).toEqual({ hit: false })
      await next.close()
    } finally {
      await unmount()
    }
  })

  // Its tag could not be written, but its tmp/ and packs/ could (a directory takes no
  // room on a tmpfs): every later run refused the directory as not a cache's.
  test('on a disk too full for its tag, a new cache makes nothing there: the next run takes it', async (context) => {
    if (!(await mountTmpfs('16k'))) context.skip('mounting a file system is not allowed here')
    try {
      const cache = join(directory, 'cache')
      await writeFile(join(directory, 'fill'), Buffer.alloc(16 * 1024)).catch(() => {})
      const full = new DiskCache(cache)
      await full.load()
      full.put(key(1), 'one', info)
      await expect(full.close()).rejects.toMatchObject({ code: 'ENOSPC' })
      expect(await readdir(cache).catch(() => [])).toEqual([])
      expect(foreignDirectory(cache)).toBeUndefined()
      await rm(join(directory, 'fill'))
      const next = new DiskCache(cache)
      await next.load()
      next.put(key(1), 'one', info)
      await next.close()
      const again = new DiskCache(cache)
      opened.push(again)
      await again.load()
      expect(await again.get(key(1))).toEqual({ hit: true, value: 'one' })
    } finally {
      await unmount()
    }
  })

  test('an index line cut short by a crash is skipped', async () => {
    await stored([[key(1), 'kept']])
    await appendFile(join(directory, 'index'), `${key(2)} pack-of-a-crash 12`)
    const store = await reopened()
    expect(await store.get(key(1))).toEqual({ hit: true, value: 'kept' })
    expect(await store.get(key(2))).toEqual({ hit: false })
  })

  test('entries stored after a line cut short by a crash are read, and garbage is skipped', async () => {
    await stored([[key(1), 'kept']])
    await appendFile(join(directory, 'index'), `${key(2)} pack-of-a-crash 12`)
    await stored([[key(3), 'after the crash']])
    // Lines that are not an entry's: bytes of nothing, a pack outside the directory.
    await appendFile(join(directory, 'index'), `\u0000\u00ff ${key(4)}\n${key(5)} ../index 0 1\n`)
    const store = await reopened()
    expect(await store.get(key(1))).toEqual({ hit: true, value: 'kept' })
    expect(await store.get(key(3))).toEqual({ hit: true, value: 'after the crash' })
    expect((await store.list()).map((entry) => entry.key).sort()).toEqual([key(1), key(3)])
  })

  test('lists entries least recently used first, and a read counts as a use', async () => {
    for (const n of [1, 2, 3]) await stored([[key(n), n]])
    // Key n's pack last used 11 - n minutes ago.
    for (const n of [1, 2, 3]) await lastUsed(await packOf(key(n)), 11 - n)
    const store = await reopened()
    await store.get(key(1))
    await store.close()
    expect((await (await reopened()).list()).map((entry) => entry.task)).toEqual([
      key(2),
      key(3),
      key(1),
    ])
  })

  test('prune evicts the least recently used past maxSize (packs whole), and what is older than maxAge', async () => {
    for (const n of [1, 2, 3, 4]) await stored([[key(n), new Uint8Array(10_000)]])
    for (const n of [1, 2, 3, 4]) await lastUsed(await packOf(key(n)), 11 - n)
    const store = await reopened()
    const size = (await store.list())[0]!.bytes
    // Room for two: the two used longest ago go, and so do their index lines.
    expect(await store.prune({ maxSize: 2 * size + 10 })).toEqual({ removed: 2, bytes: 2 * size })
    expect((await store.list()).map((entry) => entry.task)).toEqual([key(3), key(4)])
    expect((await readFile(join(directory, 'index'), 'utf8')).trim().split('\n')).toHaveLength(2)
    // key(3) was last used 8 minutes ago, key(4) 7 minutes ago.
    expect(await store.prune({ maxAge: 7.5 * 60_000 })).toMatchObject({ removed: 1 })
    expect((await store.list()).map((entry) => entry.task)).toEqual([key(4)])
    expect(await (await reopened()).get(key(4))).toMatchObject({ hit: true })
  })

  test('prune removes a directory standing where a pack or a large entry was', async () => {
    await stored([
      [key(1), 'small'],
      [key(2), LARGE],
    ])
    for (const path of [
      join(directory, 'packs', await packOf(key(1))),
      join(directory, 'entries', key(2).slice(0, 2), key(2)),
    ]) {
      await rm(path)
      await mkdir(join(path, 'inside'), { recursive: true })
    }
    expect(await (await reopened()).prune({ maxSize: 0 })).toMatchObject({ removed: 2 })
    expect([...(await files('packs')), ...(await files('entries'))]).toEqual([])
  })

  // clear left a file standing for its temporary directory: nothing could be stored.
  test('clear removes what stands in place of its directories, and results are stored again', async () => {
    await stored([[key(1), 'small']])
    await rm(join(directory, 'tmp'), { recursive: true, force: true })
    await writeFile(join(directory, 'tmp'), 'not a directory')
    await rm(join(directory, 'index'))
    await mkdir(join(directory, 'index'))
    // An index that cannot be read is told, not read as empty: loading fails, and so does
    // a prune, which loads first.
    await expect(reopened()).rejects.toMatchObject({ code: 'EISDIR' })
    const error = await new DiskCache(directory).prune({ maxSize: 0 }).catch((e: unknown) => e)
    expect((error as NodeJS.ErrnoException).code).toMatch(/^E/)
    await new DiskCache(directory).clear()
    await stored([[key(2), 'again']])
    expect((await (await reopened()).list()).map((entry) => entry.key)).toEqual([key(2)])
  })

  test('prune counts a pack the index does not name (its run died before adding its lines)', async () => {
    await stored([[key(1), new Uint8Array(10_000)]])
    const size = (await (await reopened()).list())[0]!.bytes
    const orphan = `${Date.now().toString(36)}-999999-deadbeef`
    await writeFile(join(directory, 'packs', orphan), new Uint8Array(size))
    await lastUsed(orphan, 10)
    // The index alone fits; with the orphan, the cache does not, and the orphan is oldest.
    expect(await (await reopened()).prune({ maxSize: size + 10 })).toEqual({
      removed: 0,
      bytes: size,
    })
    expect(await files('packs')).toEqual([await packOf(key(1))])
    expect(await (await reopened()).prune({ maxSize: size + 10 })).toEqual({ removed: 0, bytes: 0 })
    expect(await (await reopened()).get(key(1))).toMatchObject({ hit: true })
  })

  test('an evicting prune drops the index lines of packs that are gone, whoever removed them', async () => {
    for (const n of [1, 2]) await stored([[key(n), new Uint8Array(10_000)]])
    await lastUsed(await packOf(key(1)), 10)
    // A line another prune's rewrite brought back: its pack is gone.
    const gone = `${Date.now().toString(36)}-999999-deadbeef`
    await appendFile(join(directory, 'index'), `${key(3)} ${gone} 0 100\n`)
    const size = (await (await reopened()).list())[0]!.bytes
    expect(await (await reopened()).prune({ maxSize: size + 10 })).toMatchObject({ removed: 1 })
    const lines = (await readFile(join(directory, 'index'), 'utf8')).trim().split('\n')
    expect(lines.map((line) => line.split(' ')[0])).toEqual([key(2)])
  })

  // Packs evicted on a full disk, whose index could not be rewritten then: every later
  // run read their lines, and no prune that removed nothing dropped them.
  test('a prune that removes nothing still drops the index lines of packs that are gone', async () => {
    await stored([[key(1), 'kept']])
    const gone = `${Date.now().toString(36)}-999999-deadbeef`
    await appendFile(
      join(directory, 'index'),
      `${key(2)} ${gone} 0 100\n${key(3)} ${gone} 100 100\n`,
    )
    expect(await (await reopened()).prune()).toEqual({ removed: 0, bytes: 0 })
    const lines = (await readFile(join(directory, 'index'), 'utf8')).trim().split('\n')
    expect(lines.map((line) => line.split(' ')[0])).toEqual([key(1)])
    expect(await (await reopened()).get(key(1))).toMatchObject({ hit: true })
  })

  test('a prune that evicts every large entry of a shard removes its directory', async () => {
    await stored([[key(1), LARGE]])
    expect(await files('entries')).toHaveLength(1)
    expect(await (await reopened()).prune({ maxSize: 0 })).toMatchObject({ removed: 1 })
    expect(await files('entries')).toEqual([])
    await stored([[key(1), LARGE]])
    expect(await (await reopened()).get(key(1))).toMatchObject({ hit: true })
  })

  test('prune removes temporary files a dead writer left, once stale', async () => {
    await stored([[key(1), 1]])
    const fresh = join(directory, 'tmp', 'writing-now')
    const stale = join(directory, 'tmp', 'died-writing')
    await writeFile(fresh, 'half')
    await writeFile(stale, 'half')
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000)
    await utimes(stale, old, old)
    await (await reopened()).prune()
    expect(await files('tmp')).toEqual(['writing-now'])
    expect(await (await reopened()).get(key(1))).toEqual({ hit: true, value: 1 })
  })

  // A second Ctrl-C while a large result was written left hundreds of megabytes there
  // for an hour.
  test('prune removes at once the temporary files of a writer of this machine that is gone', async () => {
    await stored([[key(1), 1]])
    const host = encodeURIComponent(hostname())
    const gone = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', ''])
      child.once('exit', () => resolve(child.pid!))
    })
    const names = {
      gone: `${host}-${gone}-0123456789ab`,
      alive: `${host}-${process.pid}-0123456789ab`,
      elsewhere: `another.host-${gone}-0123456789ab`,
    }
    for (const name of Object.values(names)) await writeFile(join(directory, 'tmp', name), 'half')
    await (await reopened()).prune()
    expect((await files('tmp')).sort()).toEqual([names.elsewhere, names.alive].sort())
  })

  test('clear removes every entry', async () => {
    await stored([
      [key(1), 1],
      [key(2), LARGE],
    ])
    expect(await (await reopened()).clear()).toBe(2)
    expect(await (await reopened()).list()).toEqual([])
  })

  // Runs sharing a directory: three processes store and read the same keys at once.
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
    expect(await files('tmp')).toEqual([])
  })
})
