import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeEach, expect, test } from 'vitest'
import { compute } from '@taskgraph/scheduler'
import { TaskCache } from '../src/index.js'
import { cheap, total } from './fixtures/store-rule-tasks.mjs'

// What a run that stores results leaves of the cache as it ends: within its limits, and
// without what a pruning run would remove. A run tells from what it saw as it opened the
// cache whether to look at the directory again; these are the cases where it must.

/** A run storing every result of `total(cheap(from) … cheap(from + 9))`. */
async function storing(from: number, options: { maxSize?: number } = {}): Promise<void> {
  const cache = new TaskCache(directory, { store: 'all', ...options })
  const leaves = Array.from({ length: 10 }, (_, i) => cheap(from + i))
  await compute(total(...leaves), { executor: 'inline', cache })
}

/** The bytes of the packs in the directory, and their names. */
async function packs(): Promise<{ names: string[]; bytes: number }> {
  const names = await readdir(join(directory, 'packs'))
  let bytes = 0
  for (const name of names) bytes += (await stat(join(directory, 'packs', name))).size
  return { names, bytes }
}

let directory: string
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-end-'))
  return () => rm(directory, { recursive: true, force: true })
})

test('a run whose results take the cache past maxSize evicts the least recently used', async () => {
  await storing(0)
  const first = await packs()
  expect(first.names).toHaveLength(1)
  // Room for one run's pack, not two: the first run's goes.
  await storing(100, { maxSize: Math.ceil(first.bytes * 1.5) })
  const after = await packs()
  expect(after.names).toHaveLength(1)
  expect(after.names).not.toContain(first.names[0])
  const names = (await new TaskCache(directory).entries()).map((entry) => entry.name)
  expect(names.sort()).toEqual([...Array<string>(10).fill('cheap'), 'total'])
})

test('a pack the index does not name counts toward maxSize at a run’s end', async () => {
  await storing(0)
  const first = await packs()
  // A pack whose run died before adding its index lines, as large as a run's: the least
  // recently used.
  const orphan = join(directory, 'packs', 'orphan')
  await writeFile(orphan, Buffer.alloc(first.bytes))
  const old = new Date(Date.now() - 60_000)
  await utimes(orphan, old, old)
  // The indexed packs fit (two runs' worth) but not with the orphan.
  await storing(100, { maxSize: Math.ceil(first.bytes * 2.5) })
  expect((await packs()).names).not.toContain('orphan')
})

test('a run that stores removes the temporary files a dead writer left', async () => {
  await storing(0)
  const stale = join(directory, 'tmp', 'died-writing')
  await writeFile(stale, 'half')
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000)
  await utimes(stale, old, old)
  await storing(100)
  expect(await readdir(join(directory, 'tmp'))).toEqual([])
})

test('a run that stores drops the index lines of a pack removed by hand', async () => {
  await storing(0)
  const [gone] = (await packs()).names
  await rm(join(directory, 'packs', gone!))
  await storing(100)
  const index = await readFile(join(directory, 'index'), 'utf8')
  expect(index).not.toContain(gone)
  expect(index.trim().split('\n')).toHaveLength(11)
})
