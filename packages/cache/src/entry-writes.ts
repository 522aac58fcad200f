import { rmSync } from 'node:fs'
import type { AtomicWriter } from './atomic-writes.js'
import type { CachePaths } from './cache-paths.js'
import { asError, isFull } from './file-errors.js'
import { indexLine, packBytes, packName, type PackIndex, type PackedAt } from './pack-index.js'
import type { RoomMaker } from './room-maker.js'
import { appendCacheFileSync } from './regular-files.js'

// How a store's entries reach the disk (see `DiskCache`): small ones batched and written
// a pack at a time, soon after they are stored and on `flush`, their lines then appended
// to the index; large ones a file each. Every write makes room on a full disk (see
// `RoomMaker`); a write nobody awaited that failed is told by the next `flush`.

// Entries this large or larger get a file of their own; smaller ones share packs.
const OWN_FILE_BYTES = 256 * 1024
// A run's small entries are written as a pack this often (and when it ends), so that a
// run stopped early keeps what it finished.
const FLUSH_MS = 100
const FLUSH_BYTES = 8 * 2 ** 20

export class EntryWriter {
  readonly #paths: CachePaths
  readonly #index: PackIndex
  readonly #files: AtomicWriter
  readonly #room: RoomMaker
  /** Small entries waiting to be written, and what waits for them. */
  #batch: { key: string; bytes: Buffer }[] = []
  #batchBytes = 0
  #flushing: Promise<void> | undefined
  #timer: NodeJS.Timeout | undefined
  /** Large entries being written. */
  readonly #ownFiles = new Set<Promise<void>>()
  /** Why a write nobody awaited failed (the timer's flush, a large entry): `flush` throws it. */
  #failure: Error | undefined
  /** The packs this writer wrote and named in the index. */
  readonly packs = new Set<string>()
  /** Whether this writer began writing a large entry (a file of its own). */
  wroteOwnFile = false
  /**
   * Asked before entries are written, once their tasks have ended: `false` drops them
   * (see `DiskCache#writeWhile`).
   */
  mayWrite: () => boolean = () => true

  /** Writes into `paths`, telling `index` of each pack written. */
  constructor(paths: CachePaths, index: PackIndex, files: AtomicWriter, room: RoomMaker) {
    this.#paths = paths
    this.#index = index
    this.#files = files
    this.#room = room
  }

  /** Stores the entry `bytes` under `key`: written soon, and at the latest by `flush`. */
  put(key: string, bytes: Buffer): void {
    if (bytes.byteLength >= OWN_FILE_BYTES) {
      if (!this.mayWrite()) return
      this.wroteOwnFile = true
      const path = this.#paths.entry(key)
      // Written at once, as a pack is: written in steps (half a MiB each), it would go a
      // step per task that holds the main thread (inline, async), and a run killed a
      // dozen such tasks later would lose a result long finished.
      const write = this.#room.withRoom(bytes.byteLength, () =>
        this.#files.writeAtOnce(path, bytes),
      )
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

  /** Writes what was stored so far; rejects if some of it could not be written. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    // One pack at a time, in order.
    while (this.#flushing !== undefined) await this.#flushing.catch(() => {})
    const batch = this.#batch
    this.#batch = []
    this.#batchBytes = 0
    const writes = [...this.#ownFiles]
    if (batch.length > 0 && this.mayWrite()) {
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
   * Writes `batch` as a pack (see `RoomMaker#withRoom`); on a disk too full for it all,
   * the entries of it that fit, and rejects for the others.
   */
  async #writeFitting(batch: readonly { key: string; bytes: Buffer }[]): Promise<void> {
    try {
      await this.#room.withRoom(packBytes(batch), () => this.#writePack(batch))
    } catch (error) {
      if (!isFull(error) || batch.length === 1) throw error
      // As many as there is room for (free, or to be made), passing over those too large.
      let room = await this.#room.roomLeft()
      const fitting = batch.filter((entry) => {
        const bytes = packBytes([entry])
        if (bytes > room) return false
        room -= bytes
        return true
      })
      if (fitting.length === 0 || fitting.length === batch.length) throw error
      await this.#room.withRoom(packBytes(fitting), () => this.#writePack(fitting))
      throw error
    }
  }

  async #writePack(batch: readonly { key: string; bytes: Buffer }[]): Promise<void> {
    const pack = packName()
    const places: PackedAt[] = []
    let offset = 0
    for (const { bytes } of batch) {
      places.push({ pack, offset, length: bytes.byteLength })
      offset += bytes.byteLength
    }
    const lines = places.map((place, i) => indexLine(batch[i]!.key, place))
    // One buffer, written in one call: a pack holds thousands of small entries.
    const bytes = Buffer.concat(
      batch.map((entry) => entry.bytes),
      offset,
    )
    // Written at once, in one turn of the event loop (its directories made before):
    // tasks that hold the main thread (inline, async) would otherwise put their own time
    // between the steps of the write, and a run killed meanwhile would lose more than
    // the last FLUSH_MS of results.
    await this.#files.writeAtOnce(this.#paths.pack(pack), bytes)
    // One append of the whole batch's lines: on a local file system, appends do not
    // interleave with another process's.
    // Begun on a line of its own: a line another run left cut short by a crash, without
    // its newline, would otherwise take this batch's first line with it.
    const text = `\n${lines.join('')}`
    try {
      appendCacheFileSync(this.#paths.index, text)
    } catch (error) {
      // A full disk may have taken part of the lines. The pack goes: a line cut short in
      // its length then reads as a miss, not as a damaged entry, and no space is kept for
      // entries the index may not name.
      try {
        rmSync(this.#paths.pack(pack), { force: true })
      } catch {
        // The append's error is the one to tell.
      }
      throw error
    }
    this.#index.add(batch, places, text)
    this.packs.add(pack)
  }
}
