import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, test } from 'vitest'
import { gather, InvalidOptionError } from '@taskgraph/core'
import { compute, ThreadExecutor, type RunSummary } from '@taskgraph/scheduler'
import { TaskGraph } from '@taskgraph/core/internal'
import { CacheAccessError, TaskCache } from '../src/index.js'
import {
  changing,
  cheap,
  Point,
  point,
  scaled,
  size,
  slow,
  slowUnstored,
  text,
  total,
} from './fixtures/store-rule-tasks.mjs'

// Which results a run stores: by default its targets, and what took longer to make than
// reading it back would take (counting the inputs it needed that are not stored); with
// store: 'all', every one. The cheap steps take microseconds and the slow ones wait 30 ms
// (reading a small result back takes well under 0.1 ms).

/** total(slow(cheap(0)), cheap(slowUnstored(1)), cheap(2) … cheap(21)). */
function workflow() {
  const leaves = Array.from({ length: 20 }, (_, i) => cheap(i + 2))
  return total(slow(cheap(0)), cheap(slowUnstored(1)), ...leaves)
}
const ANSWER = 2 * 1 + (3 + 1) + Array.from({ length: 20 }, (_, i) => i + 3).reduce((a, b) => a + b)

/** How many entries of each function the cache holds. */
async function storedByName(cache: TaskCache): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const { name } of await cache.entries()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

let directory: string
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'taskgraph-cache-store-'))
  return () => rm(directory, { recursive: true, force: true })
})

describe.each(['inline', 'async', 'threads'] as const)('on the %s executor', (name) => {
  const threads = name === 'threads' ? new ThreadExecutor({ workers: 2 }) : undefined
  afterAll(() => threads?.close())
  const executor = threads ?? name

  test('a run stores its target and what was slow to make, not the cheap steps; a re-run reads the target', async () => {
    const cache = new TaskCache(directory)
    expect(await compute(workflow(), { executor, cache })).toEqual([ANSWER])
    const stored = await storedByName(cache)
    // The cheap step after slowUnstored is stored: making it again means 30 ms.
    expect(stored).toMatchObject({ total: 1, slow: 1 })
    expect(stored.cheap).toBeGreaterThanOrEqual(1)
    // Of the 22 cheap steps, those with nothing slow below them are left out.
    expect(stored.cheap).toBeLessThan(22)
    let summary: RunSummary | undefined
    const hooks = { onFinish: (finished: RunSummary) => (summary = finished) }
    expect(await compute(workflow(), { executor, cache, hooks })).toEqual([ANSWER])
    expect(summary).toMatchObject({ done: 0, cached: 1 })
  })

  test('a target that only rearranges results (gather) has what it rearranges stored', async () => {
    const cache = new TaskCache(directory)
    const flow = () => gather([cheap(1), cheap(2)])
    expect(await compute(flow(), { executor, cache })).toEqual([[2, 3]])
    expect(await storedByName(cache)).toEqual({ cheap: 2 })
    let summary: RunSummary | undefined
    const hooks = { onFinish: (finished: RunSummary) => (summary = finished) }
    expect(await compute(flow(), { executor, cache, hooks })).toEqual([[2, 3]])
    // Only the gather itself, which is never stored, runs again.
    expect(summary).toMatchObject({ done: 1, cached: 2 })
  })

  // Reading 4 MB back takes some 16 ms, 40 MB 160: a string made in a moment is not worth
  // it, unless what it was made from took longer (slowUnstored's 30 ms, in another call).
  // A pool's worker judges that before sending a chain's step back: from what the inputs
  // from outside the chain cost, which the run's cache tells it.
  test('a large result is stored only if what made it, inputs not stored included, took longer than reading it back', async () => {
    const cache = new TaskCache(directory)
    const loaded = slowUnstored(1)
    const flow = gather([
      size(text(loaded, 4_000_000)),
      size(text(loaded, 4_000_001)),
      size(text(0, 40_000_000)),
    ])
    expect(await compute(flow, { executor, cache })).toEqual([[4_000_000, 4_000_001, 40_000_000]])
    expect(await storedByName(cache)).toEqual({ size: 3, text: 2 })
  })

  test("store: 'all' stores every result of a cached task", async () => {
    const cache = new TaskCache(directory, { store: 'all' })
    await compute(workflow(), { executor, cache })
    expect(await storedByName(cache)).toEqual({ total: 1, slow: 1, cheap: 22 })
  })
})

test('only functions with stored results are marked as having entries; a run in a directory of other functions’ entries runs its own tasks, and its re-run reads them', async () => {
  const cache = new TaskCache(directory)
  const recipes = async () => (await readdir(join(directory, 'functions'))).length
  // The target's function has a result stored; cheap's are not worth it, unless a
  // loaded machine made one slow enough to be: either way, one mark per function stored.
  expect(await compute(total(cheap(1), cheap(2)), { cache })).toEqual([5])
  const stored = await storedByName(cache)
  expect(stored).toMatchObject({ total: 1 })
  expect(await recipes()).toBe(Object.keys(stored).length)
  // A directory that holds entries, none of slow's: slow's tasks run, then are read.
  let summary: RunSummary | undefined
  const hooks = { onFinish: (finished: RunSummary) => (summary = finished) }
  expect(await compute(slow(cheap(5)), { cache, hooks })).toEqual([12])
  expect(summary).toMatchObject({ done: 2, cached: 0 })
  expect(await recipes()).toBe(Object.keys(await storedByName(cache)).length)
  expect(Object.keys(await storedByName(cache))).toContain('slow')
  expect(await compute(slow(cheap(5)), { cache, hooks })).toEqual([12])
  expect(summary).toMatchObject({ done: 0, cached: 1 })
})

test.each(['inline', 'async'] as const)(
  'on %s, a result that would be read back as another kind of value (a class instance) is not stored, and says so',
  async (executor) => {
    const warnings: string[] = []
    const cache = new TaskCache(directory, { onWarning: (message) => warnings.push(message) })
    // Each run makes the point again: none is read back.
    for (let run = 0; run < 2; run++) {
      let summary: RunSummary | undefined
      const hooks = { onFinish: (finished: RunSummary) => (summary = finished) }
      const [result] = await compute(point(1), { executor, cache, hooks })
      expect(result.at).toBeInstanceOf(Point)
      expect(summary).toMatchObject({ done: 1, cached: 0 })
    }
    expect(await storedByName(cache)).toEqual({})
    expect(warnings).toEqual([
      'cache: the results of "point" cannot be stored, so they will run again: the result.at is an instance of Point, which does not survive serialization.',
      'cache: the results of "point" cannot be stored, so they will run again: the result.at is an instance of Point, which does not survive serialization.',
    ])
  },
)

test('a result a copy would quietly change is not stored, and says what and where', async () => {
  const warnings: string[] = []
  const cache = new TaskCache(directory, { onWarning: (message) => warnings.push(message) })
  const kinds = ['subclass', 'code', 'map', 'null prototype', 'symbol', 'plain']
  await compute(...kinds.map((kind) => changing(kind)), { executor: 'inline', cache })
  // Only the result a copy makes again as it was is stored (one warning per function).
  expect(await cache.entries()).toHaveLength(1)
  expect(warnings).toEqual([
    'cache: the results of "changing" cannot be stored, so they will run again: the result.error is an instance of HttpError, which does not survive serialization.',
  ])
  const [entry] = await cache.entries()
  const [plain] = await compute(changing('plain'), { executor: 'inline', cache })
  expect(entry!.name).toBe('changing')
  expect(plain).toEqual({
    plain: [new Error('kept'), new Map([[1, new Date(0)]]), Buffer.from('ab')],
  })
  // Each other kind, alone, says what a copy would change.
  for (const [kind, said] of [
    [
      'code',
      'the result[0] is an error with properties of its own (code), which a copy leaves out.',
    ],
    ['map', 'the result is an instance of Defaults, which does not survive serialization.'],
    [
      'null prototype',
      'the result.counts is an object without a prototype (Object.create(null)), which a copy gives the prototype of plain objects.',
    ],
    [
      'symbol',
      'the result is an object with symbol keys or properties that are not enumerable, which a copy leaves out.',
    ],
    // A copy made each of these of its content alone, and the cache read them back so.
    [
      'dated',
      'the result.when is an instance of Date with properties of its own, which a copy leaves out.',
    ],
    [
      'tagged map',
      'the result is an instance of Map with properties of its own, which a copy leaves out.',
    ],
    [
      'matching',
      'the result is an instance of RegExp part way through its matches (lastIndex 1), which a copy starts again from 0.',
    ],
    [
      'measured bytes',
      'the result is an instance of Uint8Array with properties of its own, which a copy leaves out.',
    ],
    [
      'hidden in array',
      'the result is an array with symbol keys or properties that are not enumerable, which a copy leaves out.',
    ],
  ]) {
    const heard: string[] = []
    const alone = new TaskCache(directory, { onWarning: (message) => heard.push(message) })
    await compute(changing(kind!), { executor: 'inline', cache: alone })
    expect(heard).toEqual([
      `cache: the results of "changing" cannot be stored, so they will run again: ${said}`,
    ])
  }
  // An array's enumerable properties cross with it: it is stored, and read back whole.
  const named = new TaskCache(directory, { onWarning: (message) => warnings.push(message) })
  await compute(changing('named in array'), { executor: 'inline', cache: named })
  const [again] = await compute(changing('named in array'), { executor: 'inline', cache: named })
  expect(again).toEqual(Object.assign([1, 2], { total: 3 }))
  expect((again as { total?: number }).total).toBe(3)
})

test.for([
  ['a short array', () => [1, 2]],
  ['a long array', () => Array.from({ length: 1000 }, (_, i) => i)],
  ['a typed array', () => new Float64Array([1, 2])],
  ['a long Buffer', () => Buffer.alloc(1000, 1)],
] as const)(
  'an argument, %s, with a property of its own is not cached, and says so: its elements alone do not key it',
  async ([, make]) => {
    const warnings: string[] = []
    const cache = new TaskCache(directory, { onWarning: (message) => warnings.push(message) })
    for (const scale of [10, 20]) {
      const values = Object.assign(make(), { scale })
      const [result] = await compute(scaled(values), { executor: 'inline', cache })
      expect(result[0]).toBe(Number(values[0]) * scale)
    }
    expect(await cache.entries()).toEqual([])
    expect(warnings).toHaveLength(2)
    for (const warning of warnings) {
      expect(warning).toMatch(/^cache: a task of "scaled" cannot be cached, so it runs: /)
    }
  },
)

test('the members of a target gather are stored, when another member cannot be keyed', async () => {
  const cache = new TaskCache(directory, { onWarning: () => {} })
  const cheapTask = cheap as unknown as (x: unknown) => ReturnType<typeof cheap>
  await compute(gather(cheapTask(new Point(1)), cheap(5)), { executor: 'inline', cache })
  expect(await storedByName(cache)).toEqual({ cheap: 1 })
})

test('TaskCache refuses an unknown store rule', () => {
  expect(() => new TaskCache(directory, { store: 'some' as 'all' })).toThrow(InvalidOptionError)
})

test.each([
  [
    'an empty directory path',
    () => new TaskCache(''),
    /the directory must be a path, not a string \(""\)/,
  ],
  [
    'a directory that is not a string',
    () => new TaskCache(42 as unknown as string),
    /the directory must be a path, not a number \(42\)/,
  ],
  [
    'a misspelt option',
    () => new TaskCache(directory, { maxsize: 10 } as never),
    /unknown option "maxsize"\. Known options: store, onWarning, maxSize, maxAge/,
  ],
  [
    'a negative maxSize',
    () => new TaskCache(directory, { maxSize: -1 }),
    // It said "not a number (-1)".
    /option "maxSize" must be a number of bytes, 0 or more \(Infinity for no limit\), not -1\.$/,
  ],
  [
    'a maxSize that is not a number (NaN)',
    () => new TaskCache(directory, { maxSize: Number.NaN }),
    /option "maxSize" must be a number of bytes, 0 or more \(Infinity for no limit\), not NaN\.$/,
  ],
  [
    'a maxAge that is not a number',
    () => new TaskCache(directory, { maxAge: '1d' as unknown as number }),
    /option "maxAge" must be a number of milliseconds, 0 or more/,
  ],
  [
    'an onWarning that is not a function',
    () => new TaskCache(directory, { onWarning: 3 as never }),
    /option "onWarning" must be a function/,
  ],
])('TaskCache refuses %s', (_, make, message) => {
  expect(make).toThrow(InvalidOptionError)
  expect(make).toThrow(message)
})

test('TaskCache.prune refuses a limit that is not a number, 0 or more, before removing anything', async () => {
  const prune = new TaskCache(directory).prune({ maxSize: -5 })
  await expect(prune).rejects.toThrow(InvalidOptionError)
  await expect(prune).rejects.toThrow(
    /TaskCache\.prune: option "maxSize" must be a number of bytes, 0 or more/,
  )
  // 0 keeps nothing (as `taskgraph cache prune --max-size 0`), Infinity everything.
  for (const limits of [
    { maxSize: 0, maxAge: 0 },
    { maxSize: Infinity, maxAge: 60_000 },
  ]) {
    expect(new TaskCache(directory, limits).directory).toBe(directory)
  }
})

test('TaskCache refuses a directory that is a file, or lies under one; a missing one is fine', async () => {
  const file = join(directory, 'a-file')
  await writeFile(file, 'not a directory')
  expect(() => new TaskCache(file)).toThrow(InvalidOptionError)
  expect(() => new TaskCache(file)).toThrow(`${file} is not a directory (it is a file)`)
  // The file above it is named: ENOTDIR says only that the whole path is wrong.
  const below = join(file, 'below')
  expect(() => new TaskCache(below)).toThrow(InvalidOptionError)
  expect(() => new TaskCache(below)).toThrow(`${below} is not a directory (${file} is a file)`)
  expect(new TaskCache(join(directory, 'missing', 'below')).directory).toBe(
    join(directory, 'missing', 'below'),
  )
})

// It took the internal TaskGraph, which a program cannot make: a graph from toGraph was
// read as having no such task, and a Delayed failed with a TypeError.
test('explain takes what a run computes, and says whether a task would be read', async () => {
  const cache = new TaskCache(directory)
  const target = workflow()
  expect((await cache.explain(target, target.key)).join('\n')).toMatch(/is not in the cache/)
  await compute(target, { cache })
  expect((await cache.explain([workflow()], target.key)).join('\n')).toMatch(
    /is in the cache: a run reads its result/,
  )
  await expect(cache.explain(target, 'no-such-task')).rejects.toMatchObject({
    code: 'ERR_UNKNOWN_TASK',
  })
  await expect(cache.explain(target, 42 as unknown as string)).rejects.toMatchObject({
    code: 'ERR_INVALID_OPTION',
  })
})

// What explain says of entries a run would not use, and that it leaves them as they were:
// it said a damaged entry's key had changed, removed a large one's file, and kept entries
// from eviction as a run's read does.
describe('explain of an entry a run cannot use', () => {
  test('a damaged packed entry is named as damaged, and its pack is left unused', async () => {
    const cache = new TaskCache(directory)
    const target = workflow()
    await compute(target, { cache })
    const packs = join(directory, 'packs')
    const old = new Date('2020-01-01')
    for (const pack of await readdir(packs)) {
      await writeFile(join(packs, pack), 'garbage')
      await utimes(join(packs, pack), old, old)
    }
    const said = (await cache.explain(workflow(), target.key)).join('\n')
    expect(said).toMatch(/has an entry in the cache that cannot be used: cache entry .* in .*packs/)
    expect(said).toMatch(/A run reads it as missing \(with a warning\), runs the task/)
    for (const pack of await readdir(packs))
      expect((await stat(join(packs, pack))).mtimeMs).toBe(old.getTime())
  })

  test("a large entry's damaged file is named, and left where it is", async () => {
    const cache = new TaskCache(directory)
    const target = text(1, 300_000)
    await compute(target, { cache })
    const entries = join(directory, 'entries')
    const [shard] = await readdir(entries)
    const [name] = await readdir(join(entries, shard!))
    const file = join(entries, shard!, name!)
    await writeFile(file, 'garbage')
    expect((await cache.explain(text(1, 300_000), target.key)).join('\n')).toMatch(
      /has an entry in the cache that cannot be used: cache entry .*entries/,
    )
    expect(await readFile(file, 'utf8')).toBe('garbage')
  })

  test('a sound entry explain finds is not marked used: age-pruning still removes it', async () => {
    const cache = new TaskCache(directory)
    const target = workflow()
    await compute(target, { cache })
    const old = new Date('2020-01-01')
    for (const pack of await readdir(join(directory, 'packs')))
      await utimes(join(directory, 'packs', pack), old, old)
    expect((await cache.explain(workflow(), target.key)).join('\n')).toMatch(/is in the cache/)
    expect((await cache.prune({ maxAge: 86_400_000 })).removed).toBeGreaterThan(0)
    expect(await cache.entries()).toEqual([])
  })

  test('a task of more than 32 inputs, one changed: its entry lists none, and explain says so', async () => {
    const cache = new TaskCache(directory)
    // Named by a key of its own: one made from its inputs would change with them.
    const sum = (changed: number) =>
      total.with({ key: 'the-total' })(
        ...Array.from({ length: 33 }, (_, i) => cheap(i === 7 ? changed : i)),
      )
    await compute(sum(7), { cache })
    const target = sum(1000)
    const said = (await cache.explain(target, target.key)).join('\n')
    expect(said).toMatch(/is not in the cache: what its key is made of changed/)
    expect(said).toContain('the result of one of the 33 tasks and values it takes, changed')
  })
})

test('a directory made a file after the cache was: each run says so once and runs; the other calls reject', async () => {
  const warnings: string[] = []
  const cache = new TaskCache(directory, { onWarning: (message) => warnings.push(message) })
  await rm(directory, { recursive: true })
  await writeFile(directory, 'not a directory')
  for (const runs of [1, 2]) {
    expect(await compute(workflow(), { cache })).toEqual([ANSWER])
    expect(warnings).toHaveLength(runs)
  }
  // Not `taskgraph cache clear`, which refuses a file as `new TaskCache` does.
  expect(warnings[1]).toBe(warnings[0])
  expect(warnings[0]).toMatch(/^cache: .* is not a directory any more \(it is a file\)/)
  const target = workflow()
  const graph = TaskGraph.collect('test', [target])
  for (const call of [
    () => cache.entries(),
    () => cache.prune(),
    () => cache.clear(),
    () => cache.explain(graph, target.key),
  ]) {
    const error = await call().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheAccessError)
    expect(error).toMatchObject({ code: 'ERR_CACHE_ACCESS', directory })
  }
})
