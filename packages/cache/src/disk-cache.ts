import { randomBytes } from 'node:crypto'
import {
  lstat,
  open,
  readFile,
  readdir,
  rename,
  rm,
  rmdir,
  stat,
  statfs,
  utimes,
  writeFile,
  type FileHandle,
} from 'node:fs/promises'
import { appendFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { makeDirectory } from '@taskgraph/core/internal'
import { entryInfo, packEntry, unpackEntry, type EntryInfo } from './entry-file.js'
import { fileHashesText, parseFileHashes, type FileHashMemo } from './file-hash-memo.js'

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
  /** When it (or the pack it is in) was last stored or read, in ms since the epoch. */
  readonly usedAt: number
}

/** What `get` found. */
export type CacheLookup =
  | { readonly hit: true; readonly value: unknown }
  /**
   * `problem`: an entry was there but could not be believed; `cause`: the file system's
   * error, when its file could not be read at all (a directory in a pack's place).
   */
  | { readonly hit: false; readonly problem?: string; readonly cause?: Error }

/** What `prune` removes at once: a pack, or an entry with a file of its own. */
interface Unit {
  readonly path: string
  readonly pack: string | undefined
  readonly bytes: number
  readonly usedAt: number
  readonly entries: number
}

/** A pack as the index tells of it (see `DiskCache.#indexedPacks`). */
interface IndexedPack {
  readonly bytes: number
  readonly entries: number
}

/** Where a small entry is: `length` bytes at `offset` of a pack. */
interface PackedAt {
  readonly pack: string
  readonly offset: number
  readonly length: number
}

// Entries this large or larger get a file of their own; smaller ones share packs.
const OWN_FILE_BYTES = 256 * 1024
// A run's small entries are written as a pack this often (and when it ends), so that a
// run stopped early keeps what it finished.
const FLUSH_MS = 100
const FLUSH_BYTES = 8 * 2 ** 20
// Keys looked up by a search of the index before it is parsed whole.
const FEW_LOOKUPS = 32
// Temporary files left by a process that died while writing are removed by `prune` once
// they are this old: no write takes an hour.
const STALE_TEMPORARY_MS = 60 * 60 * 1000

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
 * - `file-hashes.json`: the hashes of linked packages' files, by path, size and
 *   modification time (see `FileHashMemo`).
 *
 * Every entry carries a checksum, checked when it is read: a damaged one is a miss that
 * says why, never a wrong value. Two runs storing one key both store a whole entry; the
 * later one is read. Reading an entry marks its file (or pack) used, for least recently
 * used eviction by `prune`, which evicts packs whole, and by a write that finds the disk
 * full (see `#makeRoom`).
 */
export class DiskCache {
  readonly directory: string
  readonly #entries: string
  readonly #packs: string
  readonly #index: string
  readonly #temporary: string
  readonly #recipes: string
  readonly #fileHashes: string
  /**
   * The index as `load` read it (with this store's own lines after), and where each
   * packed key is, latest last: parsed on first need beyond a few lookups. A re-run
   * whose targets are cached looks up a handful of keys, and need not parse an index
   * of every result.
   */
  #indexText = ''
  #parsed: Map<string, PackedAt[]> | undefined
  #lookups = 0
  readonly #handles = new Map<string, Promise<FileHandle>>()
  readonly #used = new Set<string>()
  /** Small entries waiting to be written, and what waits for them. */
  #batch: { key: string; bytes: Buffer }[] = []
  #batchBytes = 0
  #flushing: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  /** Large entries being written. */
  readonly #ownFiles = new Set<Promise<void>>()
  /** Why a write nobody awaited failed (the timer's flush, a large entry): `flush` throws it. */
  #failure: Error | undefined
  #remade = false
  readonly #madeDirectories = new Set<string>()
  /** The shard directories of large entries, as `load` saw them. */
  #shards = new Set<string>()
  /** The functions with a recipe kept, as `load` saw them (see `mayHaveFunction`). */
  #functions = new Set<string>()
  /** Evictions to make room on a full disk (see `#makeRoom`), one at a time. */
  #evicting: Promise<unknown> = Promise.resolve()
  /** Whether such an eviction removed packs: the index still names their entries. */
  #evictedPacks = false
  /**
   * What such an eviction could still remove, in bytes, as far as this store knows:
   * counted by the first, then less what went and plus what this store wrote.
   */
  #evictable: number | undefined

  constructor(directory: string) {
    this.directory = directory
    this.#entries = join(directory, 'entries')
    this.#packs = join(directory, 'packs')
    this.#index = join(directory, 'index')
    this.#temporary = join(directory, 'tmp')
    this.#recipes = join(directory, 'functions')
    this.#fileHashes = join(directory, 'file-hashes.json')
  }

  /** Reads where the packed entries are: before `get`, to see what other runs stored. */
  async load(): Promise<void> {
    const [index, shards, recipes] = await Promise.all([
      readFile(this.#index, 'utf8').catch(noneIfAbsent('')),
      readdirOrNone(this.#entries),
      readdirOrNone(this.#recipes),
    ])
    this.#indexText = index
    this.#parsed = undefined
    this.#lookups = 0
    this.#shards = new Set(shards)
    this.#functions = new Set(recipes.map((name) => name.replace(/\.json$/, '')))
  }

  /** Where each packed key is, latest last. */
  get #packed(): Map<string, PackedAt[]> {
    if (this.#parsed === undefined) {
      this.#parsed = new Map()
      for (const line of this.#indexText.split('\n')) {
        const at = parseLine(line)
        if (at !== undefined) this.#addPlace(at.key, at)
      }
    }
    return this.#parsed
  }

  /** Where `key` is packed, latest last: a search of the index for the first few keys. */
  #placesOf(key: string): PackedAt[] | undefined {
    if (this.#parsed !== undefined || ++this.#lookups > FEW_LOOKUPS) return this.#packed.get(key)
    const text = this.#indexText
    const places: PackedAt[] = []
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
      if (at > 0 && text[at - 1] !== '\n') continue
      const end = text.indexOf('\n', at)
      const place = parseLine(text.slice(at, end === -1 ? undefined : end))
      if (place !== undefined && place.key === key) places.push(place)
    }
    return places.length === 0 ? undefined : places
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
    return this.#indexText === '' && this.#parsed === undefined && this.#shards.size === 0
  }

  /**
   * Whether `key` may have an entry, as far as `load` saw: `false` spares a run a failed
   * read per task it has never stored.
   */
  mayHave(key: string): boolean {
    return this.#placesOf(key) !== undefined || this.#shards.has(key.slice(0, 2))
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

  /** The cached value of `key`, if there is a sound one. */
  async get(key: string): Promise<CacheLookup> {
    let problem: string | undefined
    let cause: Error | undefined
    const places = this.#placesOf(key) ?? []
    // The latest first; an older one if it is damaged or its pack is gone.
    for (let p = places.length - 1; p >= 0; p--) {
      const at = places[p]!
      const bytes = await this.#readPacked(at)
      if (bytes === undefined) continue
      const pack = join(this.#packs, at.pack)
      if (bytes instanceof Error) {
        if (problem === undefined) {
          problem = `cache entry ${key} in ${pack}: it cannot be read (${bytes.message})`
          cause = bytes
        }
        continue
      }
      const entry = unpackEntry(bytes)
      if (entry.ok) {
        this.#markUsed(pack)
        return { hit: true, value: entry.value }
      }
      problem ??= `cache entry ${key} in ${pack}: ${entry.problem}`
    }
    const path = this.#path(key)
    const bytes = await readFile(path).catch(asError)
    if (bytes instanceof Error) {
      const code = (bytes as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return this.#unreadableFile(path, bytes)
      if (problem === undefined) return { hit: false }
      return cause === undefined ? { hit: false, problem } : { hit: false, problem, cause }
    }
    const entry = unpackEntry(bytes)
    if (!entry.ok) {
      // Stored again by the task's next run.
      await rm(path, { force: true })
      return { hit: false, problem: `cache entry ${path}: ${entry.problem}` }
    }
    this.#markUsed(path)
    return { hit: true, value: entry.value }
  }

  /**
   * A miss that says why the file of an entry could not be read (a directory in its
   * place): removed, as a damaged one is, for the task's next run to store it again. One
   * that cannot be removed says how to mend it (through `cause`).
   */
  async #unreadableFile(path: string, error: Error): Promise<CacheLookup> {
    const problem = `cache entry ${path}: it cannot be read (${error.message})`
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
    this.putPacked(key, packEntry(value, info))
  }

  /** Stores the entry `bytes` (made by `packEntry`) under `key`, as `put` does. */
  putPacked(key: string, bytes: Buffer): void {
    if (bytes.byteLength >= OWN_FILE_BYTES) {
      const path = this.#path(key)
      const write = this.#withRoom(bytes.byteLength, () => this.#writeAtomically(path, [bytes]))
      this.#ownFiles.add(write)
      write.then(
        () => this.#ownFiles.delete(write),
        (error: unknown) => {
          this.#ownFiles.delete(write)
          this.#failure ??= asError(error)
        },
      )
      return
    }
    this.#batch.push({ key, bytes })
    this.#batchBytes += bytes.byteLength
    if (this.#batchBytes >= FLUSH_BYTES) this.#flushLater()
    else this.#timer ??= setTimeout(() => this.#flushLater(), FLUSH_MS)
  }

  /** Flushes with nobody awaiting it: a failure is kept for the next `flush` to throw. */
  #flushLater(): void {
    this.flush().catch((error: unknown) => (this.#failure ??= asError(error)))
  }

  /**
   * Writes what was stored so far. Rejects if some of it could not be written (a full
   * disk, a directory that cannot be written to).
   */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    // One pack at a time, in order.
    while (this.#flushing !== undefined) await this.#flushing.catch(() => {})
    const batch = this.#batch
    this.#batch = []
    this.#batchBytes = 0
    const writes = [...this.#ownFiles]
    if (batch.length > 0) {
      const pack = this.#writeFitting(batch)
      // Awaited by the next flush, whose own writes wait for it: its failure is this one's.
      this.#flushing = pack.then(
        () => (this.#flushing = undefined),
        () => (this.#flushing = undefined),
      )
      writes.push(pack)
    }
    const failed = (await Promise.allSettled(writes)).find((result) => result.status === 'rejected')
    const earlier = this.#failure
    this.#failure = undefined
    if (failed !== undefined) throw failed.reason
    if (earlier !== undefined) throw earlier
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
    const entries: CacheEntry[] = []
    const byPack = new Map<string, { key: string; at: PackedAt }[]>()
    for (const [key, places] of this.#packed) {
      const at = places[places.length - 1]!
      byPack.set(at.pack, [...(byPack.get(at.pack) ?? []), { key, at }])
    }
    for (const [pack, keys] of byPack) {
      // A pack gone meanwhile (pruned by a run) is left out; one that cannot be read is
      // told of (see `unreadable`), as `get` tells of it.
      const bytes = await readFile(join(this.#packs, pack)).catch(skipped)
      const info = await stat(join(this.#packs, pack)).catch(() => undefined)
      if (bytes === undefined || info === undefined) continue
      for (const { key, at } of keys) {
        const start = bytes.subarray(at.offset, at.offset + at.length)
        const described = entryInfo(start) ?? { task: '?', name: '?', storedAt: info.mtimeMs }
        entries.push({ key, ...described, bytes: at.length, usedAt: info.mtimeMs })
      }
    }
    for (const shard of await readdirOrNone(this.#entries)) {
      for (const key of await readdirOrNone(join(this.#entries, shard))) {
        const entry = await this.#describeFile(key).catch(skipped)
        if (entry !== undefined) entries.push(entry)
      }
    }
    return entries.sort((a, b) => a.usedAt - b.usedAt)
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
      readdirOrNone(this.#packs),
      readdirOrNone(this.#temporary),
    ])
    const now = Date.now()
    let removed = 0
    let bytes = 0
    // Every run that stores results prunes: most find the cache within its limits, and
    // the index tells so without a look at each of its files.
    const indexed = this.#indexedPacks()
    if (this.#evictedPacks || !this.#fitsByIndex(packs, indexed, maxSize, maxAge)) {
      const units = await this.#units(packs, indexed)
      let total = units.reduce((sum, unit) => sum + unit.bytes, 0)
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
      await Promise.all([...emptied].map((shard) => rmdir(shard).catch(() => {})))
      if (gonePacks.size > 0 || this.#evictedPacks) await this.#rewriteIndex(gonePacks)
      this.#evictedPacks = false
    }
    await Promise.all(
      temporaries.map(async (name) => {
        const path = join(this.#temporary, name)
        const info = await stat(path).catch(() => undefined)
        if (info !== undefined && now - info.mtimeMs > STALE_TEMPORARY_MS) {
          await rm(path, { force: true })
        }
      }),
    )
    return { removed, bytes }
  }

  /**
   * Whether the index alone shows that nothing is to be evicted: no age limit, no entry
   * with a file of its own, every pack named in the index, and their sizes within
   * `maxSize` together.
   */
  #fitsByIndex(
    packs: readonly string[],
    indexed: ReadonlyMap<string, IndexedPack>,
    maxSize: number,
    maxAge: number,
  ): boolean {
    if (maxAge !== Infinity || this.#shards.size > 0) return false
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
   * Each pack the index names: its size (a pack is its entries, end to end) and how
   * many keys it holds the latest entry of.
   */
  #indexedPacks(): Map<string, IndexedPack> {
    const packs = new Map<string, { bytes: number; entries: number }>()
    for (const places of this.#packed.values()) {
      places.forEach(({ pack, offset, length }, p) => {
        let known = packs.get(pack)
        if (known === undefined) packs.set(pack, (known = { bytes: 0, entries: 0 }))
        known.bytes = Math.max(known.bytes, offset + length)
        if (p === places.length - 1) known.entries++
      })
    }
    return packs
  }

  /** Keeps the recipe of function `id` (see `FunctionRecipe`), unless it is kept. */
  async saveRecipe(id: string, recipe: unknown): Promise<void> {
    if (this.#functions.has(id)) return
    const path = join(this.#recipes, `${id}.json`)
    // At once, as packs are (see `#writePack`): its entries wait for it.
    if (!existsSync(path)) {
      const bytes = Buffer.from(JSON.stringify(recipe))
      await this.#withRoom(bytes.byteLength, () => this.#writeAtOnce(path, bytes))
    }
    this.#functions.add(id)
  }

  /** The hashes of linked packages' files kept by `saveFileHashes` (none if unreadable). */
  async fileHashes(): Promise<FileHashMemo> {
    return parseFileHashes(await readFile(this.#fileHashes, 'utf8').catch(() => ''))
  }

  /** Keeps `memo` for later runs (the last run's memo wins). */
  async saveFileHashes(memo: FileHashMemo): Promise<void> {
    const bytes = Buffer.from(fileHashesText(memo))
    await this.#withRoom(bytes.byteLength, () => this.#writeAtomically(this.#fileHashes, [bytes]))
  }

  /** The recipe kept as `id`, if it is. */
  async recipe(id: string): Promise<unknown> {
    const text = await readFile(join(this.#recipes, `${id}.json`), 'utf8').catch(() => undefined)
    try {
      return text === undefined ? undefined : (JSON.parse(text) as unknown)
    } catch {
      return undefined
    }
  }

  /** Removes every entry. Returns how many there were. */
  async clear(): Promise<number> {
    // What cannot be read is not counted, but goes: clearing is what mends it.
    const count = (await this.list('skip')).length
    await this.close()
    for (const path of [this.#entries, this.#packs, this.#index, this.#recipes, this.#fileHashes]) {
      await rm(path, { recursive: true, force: true })
    }
    // Its temporary files' directory stays (runs beside this one write there), unless
    // something else stands in its place: no run could write, nor a prune pass.
    const temporary = await lstat(this.#temporary).catch(() => undefined)
    if (temporary !== undefined && !temporary.isDirectory()) await rm(this.#temporary)
    this.#indexText = ''
    this.#parsed = undefined
    return count
  }

  /**
   * Writes `batch` as a pack (see `#withRoom`); on a disk too full for it all, the
   * entries of it that fit, and rejects for the others.
   */
  async #writeFitting(batch: readonly { key: string; bytes: Buffer }[]): Promise<void> {
    try {
      await this.#withRoom(packBytes(batch), () => this.#writePack(batch))
    } catch (error) {
      if (!isFull(error) || batch.length === 1) throw error
      // As many as there is room for (free, or to be made), passing over those too large.
      let room = await this.#roomLeft()
      const fitting = batch.filter((entry) => {
        const bytes = packBytes([entry])
        if (bytes > room) return false
        room -= bytes
        return true
      })
      if (fitting.length === 0 || fitting.length === batch.length) throw error
      await this.#withRoom(packBytes(fitting), () => this.#writePack(fitting))
      throw error
    }
  }

  async #writePack(batch: readonly { key: string; bytes: Buffer }[]): Promise<void> {
    const pack = `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`
    const places: PackedAt[] = []
    let offset = 0
    for (const { bytes } of batch) {
      places.push({ pack, offset, length: bytes.byteLength })
      offset += bytes.byteLength
    }
    const lines = places.map(
      ({ offset, length }, i) => `${batch[i]!.key} ${pack} ${offset} ${length}\n`,
    )
    // One buffer, written in one call: a pack holds thousands of small entries.
    const bytes = Buffer.concat(
      batch.map((entry) => entry.bytes),
      offset,
    )
    // Written at once, in one turn of the event loop (its directories made before):
    // tasks that hold the main thread (inline, async) would otherwise put their own time
    // between the steps of the write, and a run killed meanwhile would lose more than
    // the last FLUSH_MS of results.
    await this.#writeAtOnce(join(this.#packs, pack), bytes)
    // One append of the whole batch's lines: on a local file system, appends do not
    // interleave with another process's.
    // Begun on a line of its own: a line another run left cut short by a crash, without
    // its newline, would otherwise take this batch's first line with it.
    const text = `\n${lines.join('')}`
    try {
      appendFileSync(this.#index, text)
    } catch (error) {
      // A full disk may have taken part of the lines. The pack goes: a line cut short in
      // its length then reads as a miss, not as a damaged entry, and no space is kept for
      // entries the index may not name.
      try {
        rmSync(join(this.#packs, pack), { force: true })
      } catch {
        // The append's error is the one to tell.
      }
      throw error
    }
    if (this.#parsed === undefined) this.#indexText += text
    else places.forEach((place, i) => this.#addPlace(batch[i]!.key, place))
  }

  #addPlace(key: string, place: PackedAt): void {
    const places = this.#parsed!.get(key)
    if (places === undefined) this.#parsed!.set(key, [place])
    else places.push(place)
  }

  /**
   * Writes `path` whole or not at all: to a temporary file, then renamed into place. A
   * directory removed while the run goes on (the cache cleared, by hand or by `taskgraph
   * cache clear`) is made again, once.
   */
  async #writeAtomically(path: string, chunks: readonly Buffer[], again = true): Promise<void> {
    const temporary = join(this.#temporary, `${process.pid}-${randomBytes(6).toString('hex')}`)
    await Promise.all([this.#mkdir(this.#temporary), this.#mkdir(join(path, '..'))])
    try {
      await writeFile(temporary, chunks)
      await rename(temporary, path)
    } catch (error) {
      // What went wrong is the write's: removing the temporary file may fail the same way.
      await rm(temporary, { force: true }).catch(() => {})
      if (!again || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.#madeDirectories.clear()
      // The recipes went with the directory: `saveRecipe` writes them again.
      this.#functions.clear()
      this.#remade = true
      await this.#writeAtomically(path, chunks, false)
    }
  }

  /**
   * `#writeAtomically`, in this turn of the event loop when nothing goes wrong: only a
   * failure (a directory to make again, an error to tell rightly) takes the slower way.
   */
  async #writeAtOnce(path: string, bytes: Buffer): Promise<void> {
    if (
      this.#mkdirNow(this.#temporary) &&
      this.#mkdirNow(dirname(path)) &&
      this.#writeNow(path, bytes)
    )
      return
    await this.#writeAtomically(path, [bytes])
  }

  /**
   * `write`, which writes about `bytes` bytes; if the disk (or the user's quota) is full,
   * once more after making room for them (see `#makeRoom`).
   */
  async #withRoom(bytes: number, write: () => Promise<void>): Promise<void> {
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
    const { bavail, bsize } = await statfs(this.directory)
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
    const units = (await this.#units(await readdirOrNone(this.#packs), new Map()))
      .filter((unit) => !this.#used.has(unit.path))
      .sort(byUse)
    this.#evictable = units.reduce((sum, unit) => sum + blocks(unit.bytes), 0)
    if (this.#evictable < needed) return false
    const emptied = new Set<string>()
    let freed = 0
    for (const unit of units) {
      if (freed >= needed) break
      if (unit.pack !== undefined) {
        // An open pack keeps its space until it is closed.
        const handle = this.#handles.get(unit.pack)
        this.#handles.delete(unit.pack)
        await handle?.then((h) => h.close()).catch(() => {})
        this.#evictedPacks = true
      } else emptied.add(dirname(unit.path))
      await rm(unit.path, { recursive: true, force: true })
      freed += blocks(unit.bytes)
    }
    this.#evictable -= freed
    await Promise.all([...emptied].map((shard) => rmdir(shard).catch(() => {})))
    return true
  }

  /** The bytes that could still be written here: free on the disk, and to be evicted. */
  async #roomLeft(): Promise<number> {
    const { bavail, bsize } = await statfs(this.directory).catch(() => ({ bavail: 0, bsize: 0 }))
    // Less what `#evictFor` asks beyond a write's bytes: a block for the directories' and
    // the index's growth, and one for the pack's last, partly used one.
    return Math.max(0, (bavail - 2) * bsize) + (this.#evictable ?? 0)
  }

  /** Makes `path` at once, or says it could not (for `makeDirectory` to say why). */
  #mkdirNow(path: string): boolean {
    if (this.#madeDirectories.has(path)) return true
    try {
      mkdirSync(path, { recursive: true })
    } catch {
      return false
    }
    this.#madeDirectories.add(path)
    return true
  }

  /**
   * `#writeAtomically`, at once: `false` if a directory on the way is gone (removed
   * while the run goes on), for `#writeAtomically` to make again.
   */
  #writeNow(path: string, bytes: Buffer): boolean {
    const temporary = join(this.#temporary, `${process.pid}-${randomBytes(6).toString('hex')}`)
    try {
      writeFileSync(temporary, bytes)
      renameSync(temporary, path)
      return true
    } catch (error) {
      // Removing the temporary file may fail the same way the write did.
      try {
        rmSync(temporary, { force: true })
      } catch {
        // The write's error is the one to tell.
      }
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async #mkdir(path: string): Promise<void> {
    if (this.#madeDirectories.has(path)) return
    await makeDirectory(path)
    this.#madeDirectories.add(path)
  }

  /**
   * The bytes of a packed entry (fewer if its pack is short), `undefined` if its pack is
   * gone (pruned by another run), or why it could not be read (a directory in its place).
   */
  async #readPacked(at: PackedAt): Promise<Buffer | Error | undefined> {
    let handle = this.#handles.get(at.pack)
    if (handle === undefined) {
      handle = open(join(this.#packs, at.pack))
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

  #markUsed(path: string): void {
    this.#used.add(path)
  }

  /** What `prune` can remove: each of `packs` whole, and each entry with a file of its own. */
  async #units(
    packs: readonly string[],
    indexed: ReadonlyMap<string, IndexedPack>,
  ): Promise<Unit[]> {
    const files = (
      await Promise.all(
        (await readdirOrNone(this.#entries)).map(async (shard) =>
          (await readdirOrNone(join(this.#entries, shard))).map((key) => ({
            path: join(this.#entries, shard, key),
          })),
        ),
      )
    ).flat()
    const candidates = [...packs.map((pack) => ({ path: join(this.#packs, pack), pack })), ...files]
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
   * The index without the lines of packs that are gone: removed by this prune, or by
   * another (two runs pruning at once each rewrite the index from their own copy, and
   * one can write back the lines the other dropped). Lines another run appends
   * meanwhile may be lost with the old index: their entries are then misses, never
   * wrong values.
   */
  async #rewriteIndex(gone: ReadonlySet<string>): Promise<void> {
    const text = await readFile(this.#index, 'utf8').catch(() => '')
    // Listed after the index is read: a pack is in place before its lines are appended,
    // so every line read names a pack listed here, unless that pack was removed.
    const present = new Set(await readdirOrNone(this.#packs))
    const kept = text
      .split('\n')
      .filter((line) => {
        const pack = line.split(' ')[1] ?? ''
        return present.has(pack) && !gone.has(pack)
      })
      .map((line) => `${line}\n`)
    // On a full disk, the index stays as it is: the lines of packs that are gone are
    // misses, and go with the next prune that removes a pack.
    await this.#writeAtomically(this.#index, [Buffer.from(kept.join(''))]).catch(
      (error: unknown) => {
        if (!isFull(error)) throw error
      },
    )
    await this.load()
  }

  #path(key: string): string {
    return join(this.#entries, key.slice(0, 2), key)
  }

  async #describeFile(key: string): Promise<CacheEntry | undefined> {
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
  return readdir(path).catch(noneIfAbsent([]))
}

function undefinedIfGone(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
  throw error
}

/**
 * What a read that found nothing gives (`none`): nothing there, or something else than
 * what the cache puts there (the next write says so). Any other failure (EACCES) is
 * thrown: a cache that cannot be read is not an empty one.
 */
function noneIfAbsent<T>(none: T): (error: unknown) => T {
  return (error) => {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return none
    throw error
  }
}

/**
 * A line of the index, if it is whole: a line cut short by a crash, or anything else
 * than a key (a SHA-256), a pack's name (see `#writePack`) and two numbers, is left out.
 */
function parseLine(line: string): (PackedAt & { readonly key: string }) | undefined {
  const [key, pack, offset, length, extra] = line.split(' ')
  if (key === undefined || length === undefined || extra !== undefined) return undefined
  if (!KEY.test(key) || !PACK.test(pack!)) return undefined
  const at = { key, pack: pack!, offset: Number(offset), length: Number(length) }
  if (!Number.isSafeInteger(at.offset) || !Number.isSafeInteger(at.length)) return undefined
  return at
}

const KEY = /^[0-9a-f]{64}$/
const PACK = /^[0-9a-z]+-\d+-[0-9a-f]{8}$/

/** The bytes a pack of `entries` takes: the pack, and its lines in the index (at most). */
function packBytes(entries: readonly { bytes: Buffer }[]): number {
  return entries.reduce((sum, entry) => sum + entry.bytes.byteLength + INDEX_LINE_BYTES, 0)
}

// The longest line of the index (`KEY PACK OFFSET LENGTH`), and more.
const INDEX_LINE_BYTES = 160

/** Whether `error` says the disk, or the user's quota on it, is full. */
function isFull(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

/** Least recently used first. */
function byUse(a: Unit, b: Unit): number {
  return a.usedAt - b.usedAt
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
