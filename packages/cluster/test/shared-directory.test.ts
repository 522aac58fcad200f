// The tiers of a cluster's result store as machines with different shared directories
// see them: a result Redis lists as in the shared directory, that this machine's copy of
// the directory does not hold, says so, rather than pass for a result Redis lost.
import { execFile } from 'node:child_process'
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { serialize } from 'node:v8'
import { NotSerializableFault } from '@taskgraph/scheduler/internal'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { readOutput } from '../src/driver/output-reads.js'
import { resultsKey, runKey } from '../src/keys.js'
import { FileStore, SharedFileMissing, SharedFileUnwritten } from '../src/store/file-store.js'
import { RedisStore } from '../src/store/redis-store.js'
import { TieredStore } from '../src/store/tiered-store.js'
import { StoredResult } from '../src/wire/stored-values.js'
import { startRedis, type RedisServer } from './redis-server.js'

let redis: RedisServer
let client: Redis
let dir: string
beforeAll(async () => {
  redis = await startRedis()
  client = new Redis(redis.url)
  dir = await mkdtemp(join(tmpdir(), 'taskgraph-shared-'))
})
afterAll(async () => {
  client?.disconnect()
  await redis?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** The store of a machine whose shared directory is `name` under the test's directory. */
async function machine(name: string): Promise<TieredStore> {
  await mkdir(join(dir, name), { recursive: true })
  const large = new FileStore('test', pathToFileURL(join(dir, name)).href)
  return new TieredStore(new RedisStore(client, resultsKey, runKey), large, 1024)
}

test('a result listed in the shared directory that is not in this machine’s: SharedFileMissing, naming the directory', async () => {
  const run = 'r1'
  await client.set(runKey(run), '1')
  const [writer, reader] = [await machine('a'), await machine('b')]
  const bytes = Buffer.alloc(4096, 7)
  expect(
    await writer.put(run, [
      { key: 'big', bytes },
      { key: 'small', bytes: Buffer.from('s') },
    ]),
  ).toBe(true)
  expect(await writer.get(run, ['big', 'small'])).toEqual([bytes, Buffer.from('s')])
  const error = await reader.get(run, ['big', 'small']).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(SharedFileMissing)
  expect((error as Error).message).toBe(
    `Redis lists a result of the run in the shared directory, but ${join(dir, 'b')} here holds no such file: the driver and every worker must mount the same directory, each at the path its --store gives`,
  )
  // What Redis does not list is missing, as before: undefined.
  expect(await reader.get(run, ['small', 'gone'])).toEqual([Buffer.from('s'), undefined])
})

// A worker writing a result to a shared directory that fills up: the write fails naming
// the directory (ENOSPC alone does not), and leaves no part of the file to be read.
test('a result the full shared directory cannot hold: SharedFileUnwritten, naming it, and no part of a file', async (context) => {
  const full = join(dir, 'full')
  await mkdir(full)
  const mount = ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]
  const mounts = await promisify(execFile)('mount', mount).then(
    () => true,
    () => false,
  )
  if (!mounts) context.skip('mounting a file system is not allowed here')
  try {
    await writeFile(join(full, 'other'), Buffer.alloc(32 * 1024))
    const store = new FileStore('test', pathToFileURL(full).href)
    const error = await store
      .put('r3', [{ key: 'big', bytes: Buffer.alloc(48 * 1024, 7) }])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SharedFileUnwritten)
    expect((error as Error).message).toContain(full)
    expect((error as Error).cause).toMatchObject({ code: 'ENOSPC' })
    expect(await readdir(join(full, 'r3'))).toEqual([])
    expect(await store.get('r3', ['big'])).toEqual([undefined])
  } finally {
    await promisify(execFile)('umount', [full])
  }
})

// A task of 200,000 inputs read them in one command, its keys spread into one call: the
// stack overflowed, and its worker refused the job.
test('reads and deletes 150,000 results at once, in order', async () => {
  const run = 'r2'
  await client.set(runKey(run), '1')
  const store = new RedisStore(client, resultsKey, runKey)
  const keys = Array.from({ length: 150_000 }, (_, i) => `k${i}`)
  for (let i = 0; i < keys.length; i += 1000) {
    const entries = keys.slice(i, i + 1000).map((key) => ({ key, bytes: Buffer.from(key) }))
    expect(await store.put(run, entries)).toBe(true)
  }
  const values = await store.get(run, [...keys, 'gone'])
  expect(values).toHaveLength(150_001)
  expect(values.pop()).toBeUndefined()
  expect(values.findIndex((value, i) => value?.toString() !== keys[i])).toBe(-1)
  await store.delete(run, keys)
  expect(await client.exists(resultsKey(run))).toBe(0)
})

// Read as the shared directory failing (a ClusterStoreError saying it could not be read):
// the file was read, and what it held was not a result.
test("an output whose file is cut short or not a result: the task's fault, naming the file", async () => {
  const run = 'r4'
  await client.set(runKey(run), '1')
  const store = await machine('c')
  const whole = serialize(new Float64Array(1000))
  const cases = [
    ['cut', whole.subarray(0, 4000)],
    ['other', Buffer.alloc(4096, 'x')],
  ] as const
  expect(
    await store.put(
      run,
      cases.map(([key, bytes]) => ({ key, bytes })),
    ),
  ).toBe(true)
  for (const [key] of cases) {
    const fault = await readOutput(store, undefined, new StoredResult(run, key, true)).catch(
      (e: unknown) => e,
    )
    expect(fault).toBeInstanceOf(NotSerializableFault)
    expect(fault).toMatchObject({ direction: 'result', path: 'its stored result' })
    const large = new FileStore('test', pathToFileURL(join(dir, 'c')).href)
    const named = await readOutput(store, large, new StoredResult(run, key, true)).catch(
      (e: unknown) => e,
    )
    expect(named).toMatchObject({ path: `the file ${large.path(run, key)}` })
    expect((named as NotSerializableFault).reason).toMatch(
      /^which this driver could not read back \(.+\): the file is damaged \(cut short, or written over\) or was not written by a taskgraph worker$/,
    )
  }
})
