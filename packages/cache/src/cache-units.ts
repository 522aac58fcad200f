import { rm, rmdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { CachePaths } from './cache-paths.js'
import { readdirOrNone } from './file-errors.js'
import type { IndexedPack } from './pack-index.js'

// How a cache is kept within its limits: by removing its units, least recently used
// first, each what can go at once: a pack whole (its entries were written together, and
// a pack is one file), or an entry with a file of its own. `prune` removes them, and so
// does a write that finds the disk full (see `RoomMaker`).

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

/** What `prune` removes at once: a pack, or an entry with a file of its own. */
export interface Unit {
  readonly path: string
  readonly pack: string | undefined
  readonly bytes: number
  readonly usedAt: number
  readonly entries: number
}

/** What `prune` can remove: each of `packs` whole, and each entry with a file of its own. */
export async function listUnits(
  paths: CachePaths,
  packs: readonly string[],
  indexed: ReadonlyMap<string, IndexedPack>,
): Promise<Unit[]> {
  const files = (
    await Promise.all(
      (await readdirOrNone(paths.entries)).map(async (shard) =>
        (await readdirOrNone(join(paths.entries, shard))).map((key) => ({
          path: join(paths.entries, shard, key),
        })),
      ),
    )
  ).flat()
  const candidates = [...packs.map((pack) => ({ path: paths.pack(pack), pack })), ...files]
  // Looked at all at once: a cache that many runs stored into has thousands of packs.
  const units = await Promise.all(
    candidates.map(async ({ path, pack }: { path: string; pack?: string }) => {
      const info = await stat(path).catch(() => undefined)
      if (info === undefined) return undefined
      const entries = pack === undefined ? 1 : (indexed.get(pack)?.entries ?? 0)
      return { path, pack, bytes: info.size, usedAt: info.mtimeMs, entries }
    }),
  )
  return units.filter((unit) => unit !== undefined)
}

/**
 * Whether the index alone shows that nothing is to be evicted from `packs`: no age
 * limit, every pack named in the index, and their sizes within `maxSize` together.
 * (Entries with a file of their own are not in the index: the caller looks for them.)
 */
export function fitsByIndex(
  packs: readonly string[],
  indexed: ReadonlyMap<string, IndexedPack>,
  maxSize: number,
  maxAge: number,
): boolean {
  if (maxAge !== Infinity) return false
  let total = 0
  for (const pack of packs) {
    const size = indexed.get(pack)?.bytes
    // A pack the index does not name (its run died before adding its lines).
    if (size === undefined) return false
    total += size
  }
  return total <= maxSize
}

/**
 * Removes `units`, least recently used first until the rest fit `maxSize`, and those
 * unused for `maxAge` at `now`. Returns what it removed, and the packs that went.
 */
export async function removeUnits(
  units: Unit[],
  maxSize: number,
  maxAge: number,
  now: number,
): Promise<{ removed: number; bytes: number; gonePacks: Set<string> }> {
  let total = units.reduce((sum, unit) => sum + unit.bytes, 0)
  let removed = 0
  let bytes = 0
  const gonePacks = new Set<string>()
  const emptied = new Set<string>()
  for (const unit of units.sort(byUse)) {
    if (total <= maxSize && now - unit.usedAt <= maxAge) continue
    // Recursive: a directory made where the file was goes too, or no prune would pass it.
    await rm(unit.path, { recursive: true, force: true })
    if (unit.pack !== undefined) gonePacks.add(unit.pack)
    else emptied.add(dirname(unit.path))
    total -= unit.bytes
    removed += unit.entries
    bytes += unit.bytes
  }
  // A shard directory left empty goes too (one that is not fails, and stays): with
  // none left, the next prune reads the index alone again.
  await removeEmptied(emptied)
  return { removed, bytes, gonePacks }
}

/** Removes the shard directories `emptied` that are empty. */
export async function removeEmptied(emptied: ReadonlySet<string>): Promise<void> {
  await Promise.all([...emptied].map((shard) => rmdir(shard).catch(() => {})))
}

/** Least recently used first. */
export function byUse(a: Unit, b: Unit): number {
  return a.usedAt - b.usedAt
}
