import { randomBytes } from 'node:crypto'

// The index of a cache's packs (see `DiskCache`): a line per packed entry, `KEY PACK
// OFFSET LENGTH`, appended after its pack is in place, so a key's latest line is its
// last. Read as text and searched for the first few keys looked up, parsed whole beyond
// them; lines cut short by a crash are left out.

/** Where a small entry is: `length` bytes at `offset` of a pack. */
export interface PackedAt {
  readonly pack: string
  readonly offset: number
  readonly length: number
}

/** A pack as the index tells of it (see `PackIndex#indexedPacks`). */
export interface IndexedPack {
  readonly bytes: number
  readonly entries: number
}

// Keys looked up by a search of the index before it is parsed whole.
const FEW_LOOKUPS = 32

export class PackIndex {
  /**
   * The index as `load` read it (with this store's own lines after), and where each
   * packed key is, latest last: parsed on first need beyond a few lookups. A re-run
   * whose targets are cached looks up a handful of keys, and need not parse an index
   * of every result.
   */
  #text = ''
  #parsed: Map<string, PackedAt[]> | undefined
  #lookups = 0

  /** Starts again from `text`, the index as its file holds it. */
  read(text: string): void {
    this.#text = text
    this.#parsed = undefined
    this.#lookups = 0
  }

  /** Forgets every line: the index was removed. */
  clear(): void {
    this.#text = ''
    this.#parsed = undefined
  }

  /** Whether the index read had no line, and none was added since. */
  get empty(): boolean {
    return this.#text === '' && this.#parsed === undefined
  }

  /** Where each packed key is, latest last. */
  get packed(): ReadonlyMap<string, readonly PackedAt[]> {
    return this.#parse()
  }

  #parse(): Map<string, PackedAt[]> {
    if (this.#parsed === undefined) {
      this.#parsed = new Map()
      for (const line of this.#text.split('\n')) {
        const at = parseLine(line)
        if (at !== undefined) this.#addPlace(at.key, at)
      }
    }
    return this.#parsed
  }

  /** Where `key` is packed, latest last: a search of the index for the first few keys. */
  placesOf(key: string): readonly PackedAt[] | undefined {
    if (this.#parsed !== undefined || ++this.#lookups > FEW_LOOKUPS) return this.#parse().get(key)
    const text = this.#text
    const places: PackedAt[] = []
    for (let at = text.indexOf(key); at !== -1; at = text.indexOf(key, at + 1)) {
      if (at > 0 && text[at - 1] !== '\n') continue
      const end = text.indexOf('\n', at)
      const place = parseLine(text.slice(at, end === -1 ? undefined : end))
      if (place !== undefined && place.key === key) places.push(place)
    }
    return places.length === 0 ? undefined : places
  }

  /** Adds `text`, the lines appended for a pack: the `places` of `batch`'s keys, in order. */
  add(batch: readonly { key: string }[], places: readonly PackedAt[], text: string): void {
    if (this.#parsed === undefined) this.#text += text
    else places.forEach((place, i) => this.#addPlace(batch[i]!.key, place))
  }

  #addPlace(key: string, place: PackedAt): void {
    const places = this.#parsed!.get(key)
    if (places === undefined) this.#parsed!.set(key, [place])
    else places.push(place)
  }

  /**
   * Each pack the index names: its size (a pack is its entries, end to end) and how
   * many keys it holds the latest entry of.
   */
  indexedPacks(): Map<string, IndexedPack> {
    const packs = new Map<string, { bytes: number; entries: number }>()
    for (const places of this.#parse().values()) {
      places.forEach(({ pack, offset, length }, p) => {
        let known = packs.get(pack)
        if (known === undefined) packs.set(pack, (known = { bytes: 0, entries: 0 }))
        known.bytes = Math.max(known.bytes, offset + length)
        if (p === places.length - 1) known.entries++
      })
    }
    return packs
  }
}

/** A new pack's name: unique among runs, machines and times. */
export function packName(): string {
  return `${Date.now().toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`
}

/** The line of the index that tells where `key` is. */
export function indexLine(key: string, { pack, offset, length }: PackedAt): string {
  return `${key} ${pack} ${offset} ${length}\n`
}

/**
 * A line of the index, if it is whole: a line cut short by a crash, or anything else
 * than a key (a SHA-256), a pack's name (see `packName`) and two numbers, is left out.
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

/** The lines of the index `text` whose packs `keep` keeps, each with its newline. */
export function keptLines(text: string, keep: (pack: string) => boolean): string {
  return text
    .split('\n')
    .filter((line) => keep(line.split(' ')[1] ?? ''))
    .map((line) => `${line}\n`)
    .join('')
}

/** The bytes a pack of `entries` takes: the pack, and its lines in the index (at most). */
export function packBytes(entries: readonly { bytes: Buffer }[]): number {
  return entries.reduce((sum, entry) => sum + entry.bytes.byteLength + INDEX_LINE_BYTES, 0)
}

// The longest line of the index (`KEY PACK OFFSET LENGTH`), and more.
const INDEX_LINE_BYTES = 160
