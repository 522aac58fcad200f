import type { Redis } from 'ioredis'
import { resultField } from '../keys.js'
import type { ResultStore, StoreEntry } from './result-store.js'

/** Sets hash fields only while a guard key exists: a run that has ended stores nothing. */
const PUT_IF_OPEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], unpack(ARGV))
return 1
`

/**
 * Results in Redis: one hash per scope, so a scope is cleared with one command. Writes
 * are refused once the scope's guard key (`openKey`) is gone.
 */
export class RedisStore implements ResultStore {
  constructor(
    private readonly redis: Redis,
    private readonly hashKey: (scope: string) => string,
    private readonly openKey: (scope: string) => string,
  ) {}

  async put(scope: string, entries: readonly StoreEntry[]): Promise<boolean> {
    if (entries.length === 0) return true
    const args: (string | Buffer)[] = []
    for (const { key, bytes } of entries) args.push(resultField(key), bytes)
    const stored = await this.redis.eval(
      PUT_IF_OPEN,
      2,
      this.openKey(scope),
      this.hashKey(scope),
      ...args,
    )
    return stored === 1
  }

  async get(scope: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    const hash = this.hashKey(scope)
    const parts = await Promise.all(
      chunks(keys).map((part) => this.redis.hmgetBuffer(hash, ...part.map(resultField))),
    )
    return parts.flat().map((value) => value ?? undefined)
  }

  async delete(scope: string, keys: readonly string[]): Promise<void> {
    const hash = this.hashKey(scope)
    await Promise.all(chunks(keys).map((part) => this.redis.hdel(hash, ...part.map(resultField))))
  }

  async clear(scope: string): Promise<void> {
    await this.redis.del(this.hashKey(scope))
  }
}

/**
 * Keys a command names at most: a task of 200,000 inputs reads them all, and a command's
 * arguments spread into one call overflow the stack past about 100,000.
 */
const KEYS_PER_COMMAND = 10_000

/** `keys` in pieces of at most `KEYS_PER_COMMAND`. */
function chunks(keys: readonly string[]): (readonly string[])[] {
  const parts: (readonly string[])[] = []
  for (let i = 0; i < keys.length; i += KEYS_PER_COMMAND) {
    parts.push(keys.slice(i, i + KEYS_PER_COMMAND))
  }
  return parts
}
