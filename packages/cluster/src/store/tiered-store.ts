import { SharedFileMissing, type FileStore } from './file-store.js'
import type { ResultStore, StoreEntry } from './result-store.js'

/** What the small store holds for a value kept in the large one: this byte, alone. */
const IN_LARGE = Buffer.from([0])

/**
 * Splits entries between the tiers: those of `limit` bytes and more (`large`), and what
 * the small store takes (`index`: the small values, and a mark for each large one).
 */
export function splitEntries(
  entries: readonly StoreEntry[],
  limit: number,
): { readonly large: StoreEntry[]; readonly index: StoreEntry[] } {
  const large = entries.filter((entry) => entry.bytes.length >= limit)
  if (large.length === 0) return { large, index: [...entries] }
  const index = entries.map((entry) =>
    entry.bytes.length >= limit ? { key: entry.key, bytes: IN_LARGE } : entry,
  )
  return { large, index }
}

/**
 * Small values in one store (Redis), values of `limit` bytes and more in another (a
 * shared directory): the small store indexes both, so one lookup finds either, and its
 * guard decides for both whether a scope is still open.
 */
export class TieredStore implements ResultStore {
  constructor(
    private readonly small: ResultStore,
    private readonly large: FileStore,
    readonly limit: number,
  ) {}

  async put(scope: string, entries: readonly StoreEntry[]): Promise<boolean> {
    const { large, index } = splitEntries(entries, this.limit)
    if (large.length === 0) return this.small.put(scope, entries)
    await this.large.put(scope, large)
    const stored = await this.small.put(scope, index)
    // The scope closed meanwhile: what was written for it would be left behind.
    if (!stored)
      await this.large.delete(
        scope,
        large.map((entry) => entry.key),
      )
    return stored
  }

  async get(scope: string, keys: readonly string[]): Promise<(Buffer | undefined)[]> {
    const values = await this.small.get(scope, keys)
    const inLarge = keys.filter((_, i) => values[i]?.equals(IN_LARGE) === true)
    if (inLarge.length === 0) return values
    const large = await this.large.get(scope, inLarge)
    const missing = large.filter((value) => value === undefined).length
    if (missing > 0) throw new SharedFileMissing(this.large.directory, missing)
    let next = 0
    return values.map((value) => (value?.equals(IN_LARGE) === true ? large[next++] : value))
  }

  async delete(scope: string, keys: readonly string[]): Promise<void> {
    await Promise.all([this.small.delete(scope, keys), this.large.delete(scope, keys)])
  }

  async clear(scope: string): Promise<void> {
    await Promise.all([this.small.clear(scope), this.large.clear(scope)])
  }
}
