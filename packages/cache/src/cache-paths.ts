import { join } from 'node:path'

// Where a cache keeps what, in its directory (the layout `DiskCache` describes): the
// names in one place, for the modules that read and write its files.

/** The name of the cache-directory tag a cache writes in its directory (foreign-directory.ts). */
export const TAG_NAME = 'CACHEDIR.TAG'

/** What a cache makes in its directory, by name: each as `CachePaths` names its path. */
export const NAMES = {
  entries: 'entries',
  packs: 'packs',
  index: 'index',
  temporary: 'tmp',
  recipes: 'functions',
  fileHashes: 'file-hashes.json',
} as const

/** Everything a cache makes in its directory, by name. */
export const CACHE_NAMES: ReadonlySet<string> = new Set([...Object.values(NAMES), TAG_NAME])

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
    this.entries = join(directory, NAMES.entries)
    this.packs = join(directory, NAMES.packs)
    this.index = join(directory, NAMES.index)
    this.temporary = join(directory, NAMES.temporary)
    this.recipes = join(directory, NAMES.recipes)
    this.fileHashes = join(directory, NAMES.fileHashes)
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
