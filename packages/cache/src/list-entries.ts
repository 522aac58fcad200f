import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CachePaths } from './cache-paths.js'
import { entryInfo, type EntryInfo } from './entry-file.js'
import { readdirOrNone } from './file-errors.js'
import type { PackedAt } from './pack-index.js'
import { openCacheFile, readCacheFile } from './regular-files.js'

// What `DiskCache#list` tells of each entry (for `taskgraph cache ls`): what its header
// says of it, in its pack or in a file of its own, its size, and when it was last used.

/** One entry, as `list` sees it. */
export interface CacheEntry extends EntryInfo {
  /** Its cache key. */
  readonly key: string
  readonly bytes: number
  /** When it (or the pack it is in) was last stored or read, in ms since the epoch. */
  readonly usedAt: number
}

/**
 * Every entry in `paths`, least recently used first: the latest of each key in `packed`
 * (where the index says the packed keys are), then each with a file of its own. A file
 * that cannot be read is what `skipped` makes of its error (see `DiskCache#list`).
 */
export async function listEntries(
  paths: CachePaths,
  packed: ReadonlyMap<string, readonly PackedAt[]>,
  skipped: (error: unknown) => undefined,
): Promise<CacheEntry[]> {
  const entries: CacheEntry[] = []
  const byPack = new Map<string, { key: string; at: PackedAt }[]>()
  for (const [key, places] of packed) {
    const at = places[places.length - 1]!
    byPack.set(at.pack, [...(byPack.get(at.pack) ?? []), { key, at }])
  }
  for (const [pack, keys] of byPack) {
    // A pack gone meanwhile (pruned by a run) is left out; one that cannot be read is
    // told of (see `skipped`), as `get` tells of it.
    const bytes = await readCacheFile(paths.pack(pack)).catch(skipped)
    const info = await stat(paths.pack(pack)).catch(() => undefined)
    if (bytes === undefined || info === undefined) continue
    for (const { key, at } of keys) {
      const start = bytes.subarray(at.offset, at.offset + at.length)
      const described = entryInfo(start) ?? { task: '?', name: '?', storedAt: info.mtimeMs }
      entries.push({ key, ...described, bytes: at.length, usedAt: info.mtimeMs })
    }
  }
  for (const shard of await readdirOrNone(paths.entries)) {
    for (const key of await readdirOrNone(join(paths.entries, shard))) {
      const entry = await describeFile(paths, key).catch(skipped)
      if (entry !== undefined) entries.push(entry)
    }
  }
  return entries.sort((a, b) => a.usedAt - b.usedAt)
}

async function describeFile(paths: CachePaths, key: string): Promise<CacheEntry | undefined> {
  const path = paths.entry(key)
  let file
  try {
    file = await openCacheFile(path)
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
