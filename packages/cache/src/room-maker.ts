import { rm, statfs } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { CachePaths } from './cache-paths.js'
import { byUse, listUnits, removeEmptied } from './cache-units.js'
import { isFull, readdirOrNone } from './file-errors.js'

// Room on a full disk: a write of the cache that finds the disk (or the user's quota)
// full evicts entries, least recently used first as `prune` does, and is tried once more.
// A run goes on storing results on a full disk, rather than failing its writes one by
// one while the cache holds old entries nobody reads.

/**
 * Makes room for the writes of one store (see `DiskCache`), in its directory `paths`.
 * What the store read (`used`) is never evicted; `closePack` lets go of a pack the store
 * holds open, since an open pack keeps its space until it is closed.
 */
export class RoomMaker {
  readonly #paths: CachePaths
  readonly #used: ReadonlySet<string>
  readonly #closePack: (pack: string) => Promise<void>
  /** Evictions to make room on a full disk (see `#makeRoom`), one at a time. */
  #evicting: Promise<unknown> = Promise.resolve()
  /** Whether such an eviction removed packs: the index still names their entries. */
  #evictedPacks = false
  /**
   * What such an eviction could still remove, in bytes, as far as this store knows:
   * counted by the first, then less what went and plus what this store wrote.
   */
  #evictable: number | undefined

  constructor(
    paths: CachePaths,
    used: ReadonlySet<string>,
    closePack: (pack: string) => Promise<void>,
  ) {
    this.#paths = paths
    this.#used = used
    this.#closePack = closePack
  }

  /** Whether packs were evicted since the index was last rewritten without them. */
  get evictedPacks(): boolean {
    return this.#evictedPacks
  }

  /** The index was rewritten: it names no evicted pack any more. */
  indexRewritten(): void {
    this.#evictedPacks = false
  }

  /**
   * `write`, which writes about `bytes` bytes; if the disk (or the user's quota) is full,
   * once more after making room for them (see `#makeRoom`).
   */
  async withRoom(bytes: number, write: () => Promise<void>): Promise<void> {
    try {
      await write()
    } catch (error) {
      if (!isFull(error) || !(await this.#makeRoom(bytes, error))) throw error
      await write()
    }
    if (this.#evictable !== undefined) this.#evictable += bytes
  }

  /**
   * Evicts entries of this cache, least recently used first (as `prune` does), until
   * `bytes` more fit on the disk that `error` (ENOSPC, EDQUOT) said is full. Resolves
   * with whether it made room: nothing is evicted if evicting all would not. The
   * entries this store read are not evicted: a run reads what it needs before it stores
   * anything (see `TaskCache#open`), and `close` marks them used after what it stored.
   */
  #makeRoom(bytes: number, error: unknown): Promise<boolean> {
    const made = this.#evicting.then(() => this.#evictFor(bytes, error)).catch(() => false)
    this.#evicting = made
    return made
  }

  async #evictFor(bytes: number, error: unknown): Promise<boolean> {
    const { bavail, bsize } = await statfs(this.#paths.directory)
    const blocks = (size: number): number => Math.ceil(size / bsize) * bsize
    // A block more for the directories' and the index's growth.
    const wanted = blocks(bytes) + bsize
    // A quota is not what the disk has free; a full disk with room enough now had room
    // made by another write's eviction meanwhile.
    const code = (error as NodeJS.ErrnoException).code
    const needed = code === 'EDQUOT' ? wanted : wanted - bavail * bsize
    if (needed <= 0) return true
    // Each write that finds the disk full would otherwise look at every entry again.
    if (this.#evictable !== undefined && needed > this.#evictable) return false
    // What this run read stays: used later than what it stores, as `close` marks it.
    const units = (await listUnits(this.#paths, await readdirOrNone(this.#paths.packs), new Map()))
      .filter((unit) => !this.#used.has(unit.path))
      .sort(byUse)
    this.#evictable = units.reduce((sum, unit) => sum + blocks(unit.bytes), 0)
    if (this.#evictable < needed) return false
    const emptied = new Set<string>()
    let freed = 0
    for (const unit of units) {
      if (freed >= needed) break
      if (unit.pack !== undefined) {
        await this.#closePack(unit.pack)
        this.#evictedPacks = true
      } else emptied.add(dirname(unit.path))
      await rm(unit.path, { recursive: true, force: true })
      freed += blocks(unit.bytes)
    }
    this.#evictable -= freed
    await removeEmptied(emptied)
    return true
  }

  /** The bytes that could still be written here: free on the disk, and to be evicted. */
  async roomLeft(): Promise<number> {
    const { bavail, bsize } = await statfs(this.#paths.directory).catch(() => ({
      bavail: 0,
      bsize: 0,
    }))
    // Less what `#evictFor` asks beyond a write's bytes: a block for the directories' and
    // the index's growth, and one for the pack's last, partly used one.
    return Math.max(0, (bavail - 2) * bsize) + (this.#evictable ?? 0)
  }
}
