import { lstat, rm, utimes, type FileHandle } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { AtomicWriter, removeStaleTemporaries } from './atomic-writes.js'
import { CachePaths } from './cache-paths.js'
import { tagDirectory } from './foreign-directory.js'
import {
  DEFAULT_MAX_SIZE,
  fitsByIndex,
  listUnits,
  removeUnits,
  type CacheLimits,
} from './cache-units.js'
import { packEntry, unpackEntry, type EntryInfo } from './entry-file.js'
import { EntryWriter } from './entry-writes.js'
import { asError, isFull, noneIfMissing, readdirOrNone, undefinedIfGone } from './file-errors.js'
import { fileHashesText, parseFileHashes, type FileHashMemo } from './file-hash-memo.js'
import { listEntries, type CacheEntry } from './list-entries.js'
import { PackIndex, keptLines, type PackedAt } from './pack-index.js'
import { RoomMaker } from './room-maker.js'
import { openCacheFile, readCacheFile } from './regular-files.js'

/** What `get` found. */
export type CacheLookup =
  | { readonly hit: true; readonly value: unknown }
  /**
   * `problem`: an entry was there but could not be believed; `cause`: the file system's
   * error, when its file could not be read at all (a directory in a pack's place).
   */
  | { readonly hit: false; readonly problem?: string; readonly cause?: Error }

/**
 * Cached results in a directory, shared safely by runs at once:
 *
 * - `packs/ID`: small entries, written together. A run writes its entries in packs of
 *   many (one file per flush, not one per task: creating a file costs more than most
 *   results take to make), each written to a temporary file and renamed into place.
 * - `index`: a line per packed entry (`key pack offset length`), appended after its pack
 *   is in place. A line cut short by a crash is skipped when read.
 * - `entries/ab/KEY`: large entries, a file each, written and renamed the same way.
 * - `functions/ID.json`: what the keys of a function's tasks were made of (its
 *   module's files and their hashes), for `taskgraph cache why`.
 * - `file-hashes.json`: the hashes of linked packages' files, by path, size, times and
 *   inode (see `FileHashMemo`).
 *
 * Every entry carries a checksum, checked when it is read: a damaged one is a miss that
 * says why, never a wrong value. Two runs storing one key both store a whole entry; the
 * later one is read. Reading an entry marks its file (or pack) used, for least recently
 * used eviction by `prune`, which evicts packs whole, and by a write that finds the disk
 * full (see `RoomMaker`).
 */
export class DiskCache {
  readonly directory: string
  readonly #paths: CachePaths
  /** Where each packed key is, as `load` read the index (see `PackIndex`). */
  readonly #index = new PackIndex()
  readonly #handles = new Map<string, Promise<FileHandle>>()
  readonly #used = new Set<string>()
  #remade = false
  readonly #files: AtomicWriter
  /** The shard directories of large entries, as `load` saw them. */
  #shards = new Set<string>()
  /** The functions with a recipe kept, as `load` saw them (see `mayHaveFunction`). */
  #functions = new Set<string>()
  /** The packs and temporary files `load` listed, if it could (see `mayBePast`). */
  #listed: { readonly packs: readonly string[]; readonly temporaries: number } | undefined
  readonly #room: RoomMaker
  readonly #writes: EntryWriter

  constructor(directory: string) {
    this.directory = directory
    this.#paths = new CachePaths(directory)
    this.#files = new AtomicWriter(
      this.#paths.temporary,
      () => {
        // The recipes went with the directory: `saveRecipe` writes them again.
        this.#functions.clear()
        this.#remade = true
      },
      // Marked as a cache's before anything is written there (foreign-directory.ts).
      () => tagDirectory(directory),
    )
    this.#room = new RoomMaker(this.#paths, this.#used, (pack) => this.#closePack(pack))
    this.#writes = new EntryWriter(this.#paths, this.#index, this.#files, this.#room)
  }

  /**
   * Writes entries only while `check` says so, asking it when they are due to be written
   * (their tasks have ended by then): what it refuses is dropped.
   */
  writeWhile(check: () => boolean): void {
    this.#writes.mayWrite = check
  }

  /** Reads where the packed entries are: before `get`, to see what other runs stored. */
  async load(): Promise<void> {
    const [index, shards, recipes, listed] = await Promise.all([
      readCacheFile(this.#paths.index, 'utf8').catch(noneIfMissing('')),
      readdirOrNone(this.#paths.entries),
      readdirOrNone(this.#paths.recipes),
      // Only for `mayBePast`: one that fails leaves it to `prune` to say why.
      Promise.all([readdirOrNone(this.#paths.packs), readdirOrNone(this.#paths.temporary)]).then(
        ([packs, temporaries]) => ({ packs, temporaries: temporaries.length }),
        () => undefined,
      ),
    ])
    this.#index.read(index)
    this.#shards = new Set(shards)
    this.#functions = new Set(recipes.map((name) => name.replace(/\.json$/, '')))
    this.#listed = listed
  }

  /**
   * Whether the cache may be past `limits`, by what `load` saw and this store wrote
   * since: `false` when, without `maxAge`, the index names every pack listed and no
   * other, and its packs fit `maxSize`, with nothing else to look at (no large entry, no
   * temporary file left, no pack evicted for room). What other runs store meanwhile is
   * seen by the next run that opens the cache, and pruned at its end.
   */
  mayBePast(limits: CacheLimits): boolean {
    const { maxSize = DEFAULT_MAX_SIZE, maxAge = Infinity } = limits
    const listed = this.#listed
    if (
      listed === undefined ||
      listed.temporaries > 0 ||
      this.#remade ||
      this.#room.evictedPacks ||
      this.#shards.size > 0 ||
      this.#writes.wroteOwnFile
    ) {
      return true
    }
    const packs = [...listed.packs, ...this.#writes.packs]
    const indexed = this.#index.indexedPacks()
    // More packs indexed than there are: lines of packs that are gone, for a prune to drop.
    return indexed.size !== packs.length || !fitsByIndex(packs, indexed, maxSize, maxAge)
  }

  /**
   * Whether the directory was removed while this store wrote to it, and made again:
   * what was written before is gone, the functions' recipes included.
   */
  get remade(): boolean {
    return this.#remade
  }

  /** Whether `load` found no entry at all: a run then has nothing to look up. */
  get empty(): boolean {
    return this.#index.empty && this.#shards.size === 0
  }

  /**
   * Whether `key` may have an entry, as far as `load` saw: `false` spares a run a failed
   * read per task it has never stored.
   */
  mayHave(key: string): boolean {
    return this.#index.placesOf(key) !== undefined || this.#shards.has(key.slice(0, 2))
  }

  /**
   * Whether entries of the function `id` (see `FunctionRecipe`) may be kept, as far as
   * `load` saw: its recipe is kept before its first entry is, so `false` spares a run
   * the key (a SHA-256) and the lookup of each of its tasks. Another run may store the
   * function's first entries meanwhile: this run then misses them, and runs its tasks.
   */
  mayHaveFunction(id: string): boolean {
    return this.#functions.has(id)
  }

  /**
   * The cached value of `key`, if there is a sound one. A read marks it used (see
   * `prune`), and removes its file if it is damaged; `peek` (`taskgraph cache why`)
   * leaves both as they were.
   */
  async get(key: string, { peek = false }: { readonly peek?: boolean } = {}): Promise<CacheLookup> {
    let problem: string | undefined
    let cause: Error | undefined
    const places = this.#index.placesOf(key) ?? []
    // The latest first; an older one if it is damaged or its pack is gone.
    for (let p = places.length - 1; p >= 0; p--) {
      const at = places[p]!
      const bytes = await this.#readPacked(at)
      if (bytes === undefined) continue
      const pack = this.#paths.pack(at.pack)
      if (bytes instanceof Error) {
        if (problem === undefined) {
          problem = `cache entry ${key} in ${pack}: it cannot be read (${bytes.message})`
          cause = bytes
        }
        continue
      }
      const entry = unpackEntry(bytes, key)
      if (entry.ok) {
        if (!peek) this.#markUsed(pack)
        return { hit: true, value: entry.value }
      }
      problem ??= `cache entry ${key} in ${pack}: ${entry.problem}`
    }
    const path = this.#paths.entry(key)
    const bytes = await readCacheFile(path).catch(asError)
    if (bytes instanceof Error) {
      const code = (bytes as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        return peek
          ? { hit: false, problem: unreadable(path, bytes), cause: bytes }
          : this.#unreadableFile(path, bytes)
      }
      if (problem === undefined) return { hit: false }
      return cause === undefined ? { hit: false, problem } : { hit: false, problem, cause }
    }
    const entry = unpackEntry(bytes, key)
    if (!entry.ok) {
      // Stored again by the task's next run.
      if (!peek) await rm(path, { force: true })
      return { hit: false, problem: `cache entry ${path}: ${entry.problem}` }
    }
    if (!peek) this.#markUsed(path)
    return { hit: true, value: entry.value }
  }

  /**
   * A miss that says why the file of an entry could not be read (a directory in its
   * place): removed, as a damaged one is, for the task's next run to store it again. One
   * that cannot be removed says how to mend it (through `cause`).
   */
  async #unreadableFile(path: string, error: Error): Promise<CacheLookup> {
    const problem = unreadable(path, error)
    const removed = await rm(path, { recursive: true, force: true }).then(
      () => true,
      () => false,
    )
    return removed ? { hit: false, problem } : { hit: false, problem, cause: error }
  }

  /**
   * Stores `value` under `key`, to be written by the next `flush` (soon, and at the
   * latest on `close`). Throws what V8 throws for a value it cannot serialize, at once,
   * storing nothing.
   */
  put(key: string, value: unknown, info: EntryInfo): void {
    this.putPacked(key, packEntry(value, info, key))
  }

  /** Stores the entry `bytes` (made by `packEntry`) under `key`, as `put` does. */
  putPacked(key: string, bytes: Buffer): void {
    this.#writes.put(key, bytes)
  }

  /**
   * Writes what was stored so far. Rejects if some of it could not be written (a full
   * disk, a directory that cannot be written to).
   */
  async flush(): Promise<void> {
    await this.#writes.flush()
  }

  /**
   * Writes what is waiting, marks what was read as used, and lets go of open files.
   * Rejects as `flush` does, having let go of the files all the same.
   */
  async close(): Promise<void> {
    const flushed = this.flush()
    await flushed.catch(() => {})
    const now = new Date()
    await Promise.all([...this.#used].map((path) => utimes(path, now, now).catch(() => {})))
    this.#used.clear()
    const handles = [...this.#handles.values()]
    this.#handles.clear()
    await Promise.all(handles.map((handle) => handle.then((h) => h.close()).catch(() => {})))
    await flushed
  }

  /**
   * Every entry, least recently used first. Rejects if a file of an entry cannot be read
   * (a directory in its place), unless `unreadable` is `'skip'`: what counts the entries
   * to remove them, or looks for a task's earlier one, passes it.
   */
  async list(unreadable: 'throw' | 'skip' = 'throw'): Promise<CacheEntry[]> {
    const skipped = unreadable === 'skip' ? () => undefined : undefinedIfGone
    await this.load()
    return listEntries(this.#paths, this.#index.packed, skipped)
  }

  /**
   * Removes what is past `limits`: least recently used first until the rest fit
   * `maxSize`, and whatever was unused for `maxAge` (packs go whole), then temporary
   * files left by processes that died while writing. Returns what it removed.
   */
  async prune(limits: CacheLimits = {}): Promise<{ removed: number; bytes: number }> {
    const { maxSize = DEFAULT_MAX_SIZE, maxAge = Infinity } = limits
    await this.flush().catch(() => {})
    const [, packs, temporaries] = await Promise.all([
      this.load(),
      readdirOrNone(this.#paths.packs),
      readdirOrNone(this.#paths.temporary),
    ])
    const now = Date.now()
    let removed = 0
    let bytes = 0
    // Every run that stores results prunes: most find the cache within its limits, and
    // the index tells so without a look at each of its files.
    const indexed = this.#index.indexedPacks()
    // Lines of packs that are gone (evicted on a disk too full to rewrite the index then,
    // or brought back by another prune's rewrite): every run reads them until it is.
    const listed = new Set(packs)
    const deadLines = [...indexed.keys()].some((pack) => !listed.has(pack))
    if (
      this.#room.evictedPacks ||
      this.#shards.size > 0 ||
      !fitsByIndex(packs, indexed, maxSize, maxAge)
    ) {
      const units = await listUnits(this.#paths, packs, indexed)
      const gone = await removeUnits(units, maxSize, maxAge, now)
      removed = gone.removed
      bytes = gone.bytes
      if (gone.gonePacks.size > 0 || this.#room.evictedPacks || deadLines) {
        await this.#rewriteIndex(gone.gonePacks)
      }
      this.#room.indexRewritten()
    } else if (deadLines) {
      await this.#rewriteIndex(new Set())
    }
    await removeStaleTemporaries(this.#paths.temporary, temporaries, now)
    return { removed, bytes }
  }

  /** Keeps the recipe of function `id` (see `FunctionRecipe`), unless it is kept. */
  async saveRecipe(id: string, recipe: unknown): Promise<void> {
    if (this.#functions.has(id)) return
    const path = this.#paths.recipe(id)
    // At once, as packs are (see `EntryWriter#writePack`): its entries wait for it.
    if (!existsSync(path)) {
      const bytes = Buffer.from(JSON.stringify(recipe))
      await this.#room.withRoom(bytes.byteLength, () => this.#files.writeAtOnce(path, bytes))
    }
    this.#functions.add(id)
  }

  /** The hashes of linked packages' files kept by `saveFileHashes` (none if unreadable). */
  async fileHashes(): Promise<FileHashMemo> {
    return parseFileHashes(await readCacheFile(this.#paths.fileHashes, 'utf8').catch(() => ''))
  }

  /** Keeps `memo` for later runs (the last run's memo wins). */
  async saveFileHashes(memo: FileHashMemo): Promise<void> {
    const bytes = Buffer.from(fileHashesText(memo))
    await this.#room.withRoom(bytes.byteLength, () =>
      this.#files.writeAtomically(this.#paths.fileHashes, [bytes]),
    )
  }

  /** The recipe kept as `id`, if it is. */
  async recipe(id: string): Promise<unknown> {
    const text = await readCacheFile(this.#paths.recipe(id), 'utf8').catch(() => undefined)
    try {
      return text === undefined ? undefined : (JSON.parse(text) as unknown)
    } catch {
      return undefined
    }
  }

  /** Removes every entry. Returns how many there were. */
  async clear(): Promise<number> {
    // What cannot be read is not counted, but goes: clearing is what mends it (an index
    // that cannot be read hides every packed entry).
    const count = (await this.list('skip').catch((): CacheEntry[] => [])).length
    await this.close()
    const { entries, packs, index, recipes, fileHashes, temporary } = this.#paths
    for (const path of [entries, packs, index, recipes, fileHashes]) {
      await rm(path, { recursive: true, force: true })
    }
    // Its temporary files' directory stays (runs beside this one write there), unless
    // something else stands in its place: no run could write, nor a prune pass.
    const stat = await lstat(temporary).catch(() => undefined)
    if (stat !== undefined && !stat.isDirectory()) await rm(temporary)
    // And its tag, unless it is taskgraph's: one put there by hand (a named pipe, a link
    // to a device) would leave a directory no cache takes for its own.
    if (existsSync(this.directory)) tagDirectory(this.directory)
    this.#index.clear()
    return count
  }

  /**
   * The bytes of a packed entry (fewer if its pack is short), `undefined` if its pack is
   * gone (pruned by another run), or why it could not be read (a directory in its place).
   */
  async #readPacked(at: PackedAt): Promise<Buffer | Error | undefined> {
    let handle = this.#handles.get(at.pack)
    if (handle === undefined) {
      handle = openCacheFile(this.#paths.pack(at.pack))
      this.#handles.set(at.pack, handle)
    }
    try {
      const file = await handle
      const bytes = Buffer.alloc(at.length)
      const { bytesRead } = await file.read(bytes, 0, at.length, at.offset)
      return bytes.subarray(0, bytesRead)
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : asError(error)
    }
  }

  /** Lets go of the pack `pack`, if this store holds it open. */
  async #closePack(pack: string): Promise<void> {
    const handle = this.#handles.get(pack)
    this.#handles.delete(pack)
    await handle?.then((h) => h.close()).catch(() => {})
  }

  #markUsed(path: string): void {
    this.#used.add(path)
  }

  /**
   * The index without the lines of packs that are gone: removed by this prune, or by
   * another (two runs pruning at once each rewrite the index from their own copy, and
   * one can write back the lines the other dropped). Lines another run appends
   * meanwhile may be lost with the old index: their entries are then misses, never
   * wrong values.
   */
  async #rewriteIndex(gone: ReadonlySet<string>): Promise<void> {
    const text = await readCacheFile(this.#paths.index, 'utf8').catch(() => '')
    // Listed after the index is read: a pack is in place before its lines are appended,
    // so every line read names a pack listed here, unless that pack was removed.
    const present = new Set(await readdirOrNone(this.#paths.packs))
    const kept = keptLines(text, (pack) => present.has(pack) && !gone.has(pack))
    // On a full disk, the index stays as it is: the lines of packs that are gone are
    // misses, and go with the next prune.
    await this.#files
      .writeAtomically(this.#paths.index, [Buffer.from(kept)])
      .catch((error: unknown) => {
        if (!isFull(error)) throw error
      })
    await this.load()
  }
}

/** Why the file of an entry at `path` is a miss: `error` reading it. */
function unreadable(path: string, error: Error): string {
  return `cache entry ${path}: it cannot be read (${error.message})`
}
