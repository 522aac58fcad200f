import { randomBytes } from 'node:crypto'
import {
  mkdir,
  open,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { join } from 'node:path'
import { entryInfo, packEntry, unpackEntry, type EntryInfo } from './entry-file.js'

/** How big and how old a cache may grow: evicted least recently used first. */
export interface CacheLimits {
  /**
   * Bytes the entries may take in all.
   * @default 5 GiB (`Infinity`: no limit)
   */
  maxSize?: number
  /** Milliseconds an entry is kept after it was last stored or read. @default no limit */
  maxAge?: number
}

export const DEFAULT_MAX_SIZE = 5 * 2 ** 30

/** One entry, as `list` sees it. */
export interface CacheEntry extends EntryInfo {
  /** Its cache key. */
  readonly key: string
  readonly bytes: number
  /** When it was last stored or read, in milliseconds since the epoch. */
  readonly usedAt: number
}

/** What `get` found. */
export type CacheLookup =
  | { readonly hit: true; readonly value: unknown }
  /** `problem`: an entry was there but could not be believed (it is removed). */
  | { readonly hit: false; readonly problem?: string }

// Temporary files left by a process that died while writing are removed by `prune` once
// they are this old: no write takes an hour.
const STALE_TEMPORARY_MS = 60 * 60 * 1000

/**
 * Cached results in a directory: one file per key (entries/ab/abcdef…), each written to
 * a temporary file first and renamed into place, so that a crash or a Ctrl-C never
 * leaves half an entry under a key, and two processes sharing the directory each see a
 * whole entry or none (if both store one key, the last rename wins: both are right).
 * Reading an entry marks it used (its modification time), for least-recently-used
 * eviction by `prune`.
 */
export class DiskCache {
  readonly directory: string
  readonly #entries: string
  readonly #temporary: string

  constructor(directory: string) {
    this.directory = directory
    this.#entries = join(directory, 'entries')
    this.#temporary = join(directory, 'tmp')
  }

  /** The cached value of `key`, if there is a sound one. */
  async get(key: string): Promise<CacheLookup> {
    const path = this.#path(key)
    let bytes: Buffer
    try {
      bytes = await readFile(path)
    } catch {
      return { hit: false }
    }
    const entry = unpackEntry(bytes)
    if (!entry.ok) {
      // Stored again by the task's next run.
      await rm(path, { force: true })
      return { hit: false, problem: `cache entry ${path}: ${entry.problem}` }
    }
    const now = new Date()
    await utimes(path, now, now).catch(() => {})
    return { hit: true, value: entry.value }
  }

  /** Whether `key` has an entry (sound or not: `get` tells). */
  async has(key: string): Promise<boolean> {
    return stat(this.#path(key)).then(
      () => true,
      () => false,
    )
  }

  /**
   * Stores `value` under `key`. Throws what V8 throws for a value it cannot serialize,
   * storing nothing.
   */
  async put(key: string, value: unknown, info: EntryInfo): Promise<void> {
    const chunks = packEntry(value, info)
    const path = this.#path(key)
    const temporary = join(this.#temporary, `${process.pid}-${randomBytes(6).toString('hex')}`)
    await mkdir(this.#temporary, { recursive: true })
    await mkdir(join(path, '..'), { recursive: true })
    try {
      await writeFile(temporary, chunks)
      await rename(temporary, path)
    } catch (error) {
      await rm(temporary, { force: true })
      throw error
    }
  }

  /** Every entry, least recently used first. */
  async list(): Promise<CacheEntry[]> {
    const entries: CacheEntry[] = []
    for (const shard of await readdirOrNone(this.#entries)) {
      for (const key of await readdirOrNone(join(this.#entries, shard))) {
        const entry = await this.#describe(key)
        if (entry !== undefined) entries.push(entry)
      }
    }
    return entries.sort((a, b) => a.usedAt - b.usedAt)
  }

  /**
   * Removes entries past `limits` (least recently used first, until the rest fit
   * `maxSize`; and any unused for `maxAge`), and temporary files left by processes that
   * died while writing. Returns what it removed.
   */
  async prune(limits: CacheLimits = {}): Promise<{ removed: number; bytes: number }> {
    const { maxSize = DEFAULT_MAX_SIZE, maxAge = Infinity } = limits
    const entries = await this.list()
    let total = entries.reduce((sum, entry) => sum + entry.bytes, 0)
    const now = Date.now()
    let removed = 0
    let bytes = 0
    for (const entry of entries) {
      if (total <= maxSize && now - entry.usedAt <= maxAge) continue
      await rm(this.#path(entry.key), { force: true })
      total -= entry.bytes
      removed++
      bytes += entry.bytes
    }
    for (const name of await readdirOrNone(this.#temporary)) {
      const path = join(this.#temporary, name)
      const info = await stat(path).catch(() => undefined)
      if (info !== undefined && now - info.mtimeMs > STALE_TEMPORARY_MS)
        await rm(path, { force: true })
    }
    return { removed, bytes }
  }

  /** Removes every entry. Returns how many there were. */
  async clear(): Promise<number> {
    const count = (await this.list()).length
    await rm(this.#entries, { recursive: true, force: true })
    return count
  }

  #path(key: string): string {
    return join(this.#entries, key.slice(0, 2), key)
  }

  async #describe(key: string): Promise<CacheEntry | undefined> {
    const path = this.#path(key)
    let file
    try {
      file = await open(path)
    } catch {
      return undefined
    }
    try {
      const { size, mtimeMs } = await file.stat()
      // The header is a few hundred bytes at the start.
      const start = Buffer.alloc(Math.min(size, 64 * 1024))
      await file.read(start, 0, start.byteLength, 0)
      const info = entryInfo(start) ?? { task: '?', name: '?', storedAt: mtimeMs }
      return { key, ...info, bytes: size, usedAt: mtimeMs }
    } finally {
      await file.close()
    }
  }
}

async function readdirOrNone(path: string): Promise<string[]> {
  return readdir(path).catch(() => [])
}
