import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serialize } from 'node:v8'
import { delayedProperties, parallelCompute } from '@taskgraph/patterns'
import { compute, TaskError } from '@taskgraph/scheduler'
import { afterEach, describe, expect, test } from 'vitest'
import { EXECUTORS, shared } from './executors.js'
import { Cached, KINDS, Kinds, LooksCached, kindOf } from './fixtures/seed-properties.js'
import { rejection } from './helpers.js'

const cleanUp: string[] = []
afterEach(() => {
  for (const dir of cleanUp.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'taskgraph-properties-'))
  cleanUp.push(dir)
  return dir
}

/** 1000 numbers per element: 8 kB each, over the limit of 1 kB the tests set. */
const SIZE = 1000

describe.each(EXECUTORS)('on the %s executor', (name) => {
  const executor = shared(name)

  test('values over the memory limit cross as files, come back right, and are removed', async () => {
    const dir = cacheDir()
    const computation = Cached.create({ data: [1, 2, 3], size: SIZE, cacheDir: dir })
    await parallelCompute(computation, ['centered', 'listing'], {
      executor,
      cacheDir: dir,
      memoryLimit: 1000,
    })
    // While the host computed the listing, each element's signal was a file; the
    // listing itself is small and stayed in memory.
    expect(computation.listing).toEqual({
      mean: 2,
      files: ['<run>', '<run>/signal[0].v8', '<run>/signal[1].v8', '<run>/signal[2].v8'],
    })
    expect(computation.centered.map((values) => [values.length, values[0]])).toEqual([
      [SIZE, -1],
      [SIZE, 0],
      [SIZE, 1],
    ])
    expect(computation.centered[0]).toBeInstanceOf(Float64Array)
    expect(readdirSync(dir)).toEqual([])
  })

  test('a value that crossed as a file is the value, of the same kind, that crosses in memory', async () => {
    const runs = []
    for (const options of [{}, { cacheDir: cacheDir(), memoryLimit: 0 }]) {
      const computation = Kinds.create({ kind: Object.keys(KINDS) })
      await parallelCompute(computation, ['value', 'seen', 'seenWhole'], { executor, ...options })
      runs.push(computation)
    }
    const [inMemory, onDisk] = runs
    // Seen by the property after it, in its worker, and by the host.
    expect(onDisk!.seen).toEqual(inMemory!.seen)
    expect(onDisk!.seenWhole).toEqual(inMemory!.seenWhole)
    expect(onDisk!.value.map(kindOf)).toEqual(inMemory!.value.map(kindOf))
    expect(onDisk!.value).toStrictEqual(inMemory!.value)
  })

  test('a value that looks like a reference to a file stays the value it is', async () => {
    // A real file of V8-serialized data, which a reference naming it would read back.
    const dir = cacheDir()
    const file = join(dir, 'value.v8')
    writeFileSync(file, serialize('read from disk'))
    const ref = { __taskgraph_cached_file__: file, bytes: 8 }
    for (const options of [{}, { cacheDir: cacheDir(), memoryLimit: 1000 }]) {
      const computation = LooksCached.create({ paths: [file] })
      await parallelCompute(computation, ['seen', 'all'], { executor, ...options })
      expect(computation.seen).toEqual([ref])
      expect(computation.all).toEqual([ref])
    }
  })

  test('values under the memory limit stay in memory', async () => {
    const dir = cacheDir()
    const computation = Cached.create({ data: [1, 2, 3], size: 10, cacheDir: dir })
    await parallelCompute(computation, ['listing'], { executor, cacheDir: dir, memoryLimit: 1000 })
    expect(computation.listing).toEqual({ mean: 2, files: [] })
  })

  test('parallelCompute removes the files of a run that fails', async () => {
    const dir = cacheDir()
    const computation = Cached.create({ data: [1, 2, -3], size: SIZE, cacheDir: dir })
    const error = await rejection(
      parallelCompute(computation, ['centered'], { executor, cacheDir: dir, memoryLimit: 1000 }),
    )
    expect(error).toBeInstanceOf(TaskError)
    expect(readdirSync(dir)).toEqual([])
  })

  test('the lazy form removes its files in its last task', async () => {
    const dir = cacheDir()
    const computation = Cached.create({ data: [1, 2, 3], size: SIZE, cacheDir: dir })
    const lazy = delayedProperties(computation, ['centered'], { cacheDir: dir, memoryLimit: 0 })
    const [values] = await compute(lazy, { executor })
    expect(values.centered.map((centered) => centered[0])).toEqual([-1, 0, 1])
    expect(readdirSync(dir)).toEqual([])
    // Computed again, it writes and removes its files again.
    const [again] = await compute(lazy, { executor })
    expect(again.centered.map((centered) => centered[SIZE - 1])).toEqual([-1, 0, 1])
    expect(readdirSync(dir)).toEqual([])
  })

  test('the lazy form leaves the files of a run that fails', async () => {
    const dir = cacheDir()
    const computation = Cached.create({ data: [1, -2], size: SIZE, cacheDir: dir })
    const lazy = delayedProperties(computation, ['signal'], { cacheDir: dir })
    expect(await rejection(compute(lazy, { executor }))).toBeInstanceOf(TaskError)
    const [run] = readdirSync(dir)
    expect(run).toMatch(/^properties-/)
    expect(readdirSync(join(dir, run!))).toEqual(['signal[0].v8'])
  })
})
