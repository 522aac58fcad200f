import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { delayed } from '@taskgraph/core'
import { compute } from '@taskgraph/scheduler'
import { describe, expect, test } from 'vitest'
import { DiskCache } from '../src/disk-cache.js'
import { NotACacheError, TaskCache } from '../src/index.js'
import { cacheDir, project, run, useProjects, write } from './flow-runs.js'

const double = delayed(
  function double(x: number) {
    return 2 * x
  },
  { cache: true },
)

// A cache clears and prunes what it made in its directory by name: given a directory
// that is not a cache (a project's root, a mistyped TASKGRAPH_CACHE), it would remove
// the user's own `functions/` or `tmp/`. It uses only a directory of its own.
describe("a cache's directory", () => {
  useProjects()

  /** Every file under `directory`, relative to it, sorted. */
  const filesUnder = async (directory: string): Promise<string[]> =>
    (await readdir(directory, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
      .sort()

  test("a project's directory is refused, before anything is removed from it", async () => {
    // A site's functions, and files in a tmp/ older than the hour a prune waits for.
    await write({
      'functions/handler.ts': 'export {}',
      'tmp/upload.bin': 'data',
      index: 'the project index',
    })
    const before = await filesUnder(project)
    expect(() => new TaskCache(project)).toThrow(NotACacheError)
    expect(() => new TaskCache(project)).toThrow(
      /^new TaskCache: .* is not a taskgraph cache: it holds "[^"]+", which a cache does not make, and no CACHEDIR\.TAG of taskgraph's\. Give the cache a directory of its own/,
    )
    expect(await filesUnder(project)).toEqual(before)
  })

  test("a directory holding only what a cache's names could be is refused too", async () => {
    const functions = join(project, 'site')
    await mkdir(join(functions, 'functions'), { recursive: true })
    await writeFile(join(functions, 'functions', 'handler.ts'), 'export {}')
    expect(() => new TaskCache(functions)).toThrow(
      /it holds "functions", but no CACHEDIR\.TAG of taskgraph's nor what a cache writes first/,
    )
  })

  test('a run tags the directory it makes, which stays a cache with other files in it', async () => {
    await run()
    const tag = await readFile(join(cacheDir, 'CACHEDIR.TAG'), 'utf8')
    // The standard's signature, which backup tools look for.
    expect(tag).toMatch(/^Signature: 8a477f597d28d172789f06886806bc55\n/)
    await writeFile(join(cacheDir, 'NOTES.md'), 'kept')
    const cache = new TaskCache(cacheDir)
    expect((await cache.entries()).length).toBeGreaterThan(0)
    expect(await run()).toMatchObject({ warnings: [], calls: [] })
    await cache.clear()
    expect(await filesUnder(cacheDir)).toEqual(['CACHEDIR.TAG', 'NOTES.md'])
  })

  test('a cache made before the tags is used, and tagged by the next run that stores', async () => {
    await run()
    await rm(join(cacheDir, 'CACHEDIR.TAG'))
    expect((await new TaskCache(cacheDir).entries()).length).toBeGreaterThan(0)
    await write({
      'other.ts': `import { delayed } from '@taskgraph/core'
export default delayed(function other() { return 1 }, { cache: true })()
`,
    })
    await run('inline', 'other.ts')
    expect(await readdir(cacheDir)).toContain('CACHEDIR.TAG')
  })

  test('a run whose directory gained files no cache makes warns, and runs without it', async () => {
    const directory = join(project, 'empty')
    await mkdir(directory)
    // Made while the directory was empty; a project's files are put there later.
    const warnings: string[] = []
    const cache = new TaskCache(directory, { onWarning: (warning) => warnings.push(warning) })
    await writeFile(join(directory, 'main.ts'), 'export {}')
    expect(await compute(double(21), { executor: 'inline', cache })).toEqual([42])
    expect(warnings).toEqual([
      expect.stringMatching(
        /^cache: .*empty is not a taskgraph cache: it holds "main\.ts".* This run reads nothing from it and stores nothing in it\.$/,
      ),
    ])
    expect(await readdir(directory)).toEqual(['main.ts'])
    await expect(cache.clear()).rejects.toThrow(/^TaskCache\.clear: .* is not a taskgraph cache/)
    expect(await readdir(directory)).toEqual(['main.ts'])
  })
})

// Two runs started together on one new directory: the second, looking at it while the
// first made it, found a tmp/ and no tag yet, and refused it as another program's
// (taskgraph run exited 2). A thread looks at new caches' directories, as fast as it
// can, while they are made.
test('a new cache directory is tagged before anything else is made in it: a look meanwhile never finds it foreign', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'taskgraph-cache-new-'))
  const stop = new Int32Array(new SharedArrayBuffer(4))
  const watcher = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads')
    const { readdirSync, readFileSync } = require('node:fs')
    const { join } = require('node:path')
    const { parent, stop } = workerData
    const written = new Set(['index', 'packs', 'file-hashes.json'])
    let looks = 0
    const foreign = []
    while (Atomics.load(stop, 0) === 0) {
      for (const cache of readdirSync(parent)) {
        let names
        let tag = ''
        try {
          names = readdirSync(join(parent, cache)).filter((name) => !name.startsWith('.'))
          if (names.includes('CACHEDIR.TAG')) tag = readFileSync(join(parent, cache, 'CACHEDIR.TAG'), 'utf8')
        } catch {
          continue
        }
        looks++
        // What foreignDirectory refuses: something there, no whole tag, nothing a cache writes first.
        const tagged = tag.startsWith('Signature: 8a477f597d28d172789f06886806bc55') && tag.includes('taskgraph')
        if (names.length > 0 && !tagged && !names.some((name) => written.has(name))) foreign.push(names.join(','))
      }
    }
    parentPort.postMessage({ looks, foreign })
    `,
    { eval: true, workerData: { parent, stop } },
  )
  try {
    for (let i = 0; i < 300; i++) {
      const store = new DiskCache(join(parent, `c${i}`))
      store.put(`${i}`.padStart(64, '0'), i, { task: `t-${i}`, name: 't', storedAt: 0 })
      await store.close()
    }
  } finally {
    Atomics.store(stop, 0, 1)
  }
  const seen = await new Promise<{ looks: number; foreign: string[] }>((resolve, reject) => {
    watcher.once('message', resolve)
    watcher.once('error', reject)
  })
  await watcher.terminate()
  await rm(parent, { recursive: true, force: true })
  expect(seen.looks).toBeGreaterThan(300)
  expect(seen.foreign).toEqual([])
})
