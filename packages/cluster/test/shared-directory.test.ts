// The tiers of a cluster's result store as machines with different shared directories
// see them: a result Redis lists as in the shared directory, that this machine's copy of
// the directory does not hold, says so, rather than pass for a result Redis lost.
import { mkdtemp, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { resultsKey, runKey } from '../src/keys.js'
import { FileStore, SharedFileMissing } from '../src/store/file-store.js'
import { RedisStore } from '../src/store/redis-store.js'
import { TieredStore } from '../src/store/tiered-store.js'
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
