import type { Redis } from 'ioredis'
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
    for (const { key, bytes } of entries) args.push(key, bytes)
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
    if (keys.length === 0) return []
    const values = await this.redis.hmgetBuffer(this.hashKey(scope), ...keys)
    return values.map((value) => value ?? undefined)
  }

  async delete(scope: string, keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await this.redis.hdel(this.hashKey(scope), ...keys)
  }

  async clear(scope: string): Promise<void> {
    await this.redis.del(this.hashKey(scope))
  }
}
