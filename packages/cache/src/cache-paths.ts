import { join } from 'node:path'

// Where a cache keeps what, in its directory (the layout `DiskCache` describes): the
// names in one place, for the modules that read and write its files.

/** The name of the cache-directory tag a cache writes in its directory (foreign-directory.ts). */
export const TAG_NAME = 'CACHEDIR.TAG'

/** Everything a cache makes in its directory, by name. */
export const CACHE_NAMES: ReadonlySet<string> = new Set([
  'entries',
  'packs',
  'index',
  'tmp',
  'functions',
  'file-hashes.json',
  TAG_NAME,
])

export class CachePaths {
  readonly directory: string
  readonly entries: string
  readonly packs: string
  readonly index: string
  readonly temporary: string
  readonly recipes: string
  readonly fileHashes: string

  constructor(directory: string) {
    this.directory = directory
    this.entries = join(directory, 'entries')
    this.packs = join(directory, 'packs')
    this.index = join(directory, 'index')
    this.temporary = join(directory, 'tmp')
    this.recipes = join(directory, 'functions')
    this.fileHashes = join(directory, 'file-hashes.json')
  }

  /** The file of the entry `key`, if it has one of its own (a large one). */
  entry(key: string): string {
    return join(this.entries, key.slice(0, 2), key)
  }

  pack(name: string): string {
    return join(this.packs, name)
  }

  recipe(id: string): string {
    return join(this.recipes, `${id}.json`)
  }
}
