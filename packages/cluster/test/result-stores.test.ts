import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { resultsKey, runKey } from '../src/keys.js'
import { FileStore } from '../src/store/file-store.js'
import { RedisStore } from '../src/store/redis-store.js'
import type { ResultStore } from '../src/store/result-store.js'
import { startRedis, type RedisServer } from './redis-server.js'

// Task keys may hold any character. Redis takes strings as UTF-8, and so did the shared
// directory's file names (a hash of the key), where each lone surrogate is U+FFFD: keys
// differing only there shared one result.
const KEYS = ['k\ud800', 'k\udc00', 'k\ufffd', '\u0000k', 'ok\ud83d\ude00']

let server: RedisServer
let redis: Redis
const directory = mkdtempSync(join(tmpdir(), 'taskgraph-stores-'))

beforeAll(async () => {
  server = await startRedis()
  redis = new Redis(server.url)
})

afterAll(async () => {
  redis?.disconnect()
  await server?.stop()
  rmSync(directory, { recursive: true, force: true })
})

const stores: [string, () => Promise<ResultStore>][] = [
  [
    'Redis',
    async () => {
      await redis.set(runKey('run'), '1')
      return new RedisStore(redis, resultsKey, runKey)
    },
  ],
  [
    'a shared directory',
    () => Promise.resolve(new FileStore('test', pathToFileURL(directory).href)),
  ],
]

describe.for(stores)('results in %s', ([, open]) => {
  test('keys that UTF-8 writes alike keep values of their own, and go one by one', async () => {
    const store = await open()
    const entries = KEYS.map((key, i) => ({ key, bytes: Buffer.from([i]) }))
    expect(await store.put('run', entries)).toBe(true)
    expect(await store.get('run', KEYS)).toEqual(entries.map(({ bytes }) => bytes))
    await store.delete('run', [KEYS[0]!])
    expect(await store.get('run', KEYS)).toEqual([
      undefined,
      ...entries.slice(1).map(({ bytes }) => bytes),
    ])
    await store.clear('run')
  })
})
