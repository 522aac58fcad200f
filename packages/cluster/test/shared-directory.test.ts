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
