import { randomUUID } from 'node:crypto'
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeDirectorySync } from '@taskgraph/core/internal'
import { CACHE_NAMES, NAMES, TAG_NAME } from './cache-paths.js'
import { readCacheFileStartSync } from './regular-files.js'

// A cache removes what it made in its directory (`taskgraph cache clear`, and the prune
// after each run, which takes stale files from `tmp/`), by name. Given a directory that
// is not a cache (`--cache .` in a project, a mistyped TASKGRAPH_CACHE), it would remove
// the user's own `functions/` or `tmp/`. So a cache marks its directory with a
// CACHEDIR.TAG (the cache-directory tag that backup tools know to skip), and uses only a
// directory that has taskgraph's tag, that is missing or empty, or that holds nothing but
// what a cache makes: a cache made before the tags, which gets one.

/** How a CACHEDIR.TAG starts (https://bford.info/cachedir/). */
const SIGNATURE = 'Signature: 8a477f597d28d172789f06886806bc55'
/** The line that says the tag is taskgraph's, not another tool's cache. */
const OWNER = '# This file is a cache directory tag created by taskgraph'

const TAG_TEXT = `${SIGNATURE}\n${OWNER}: a result cache (taskgraph cache clear removes it).\n# For information about cache directory tags, see https://bford.info/cachedir/\n`

/** What a cache writes first, one of which an untagged cache made before the tags holds. */
const WRITTEN_FIRST: ReadonlySet<string> = new Set([NAMES.index, NAMES.packs, NAMES.fileHashes])

/**
 * Why `directory` is not a cache's to write and clean, as a message's clause: something
 * in it that no cache makes, while it has no tag of taskgraph's. `undefined` if it is a
 * cache's, or missing, or cannot be read (which using it then tells). Dotfiles do not
 * count: a cache never touches them.
 */
export function foreignDirectory(directory: string): string | undefined {
  let names: string[]
  try {
    names = readdirSync(directory).filter((name) => !name.startsWith('.'))
  } catch {
    return undefined
  }
  if (names.length === 0 || hasOwnTag(directory)) return undefined
  const foreign = names.find((name) => !CACHE_NAMES.has(name))
  const notCache = `${directory} is not a taskgraph cache`
  if (foreign !== undefined) {
    return `${notCache}: it holds ${JSON.stringify(foreign)}, which a cache does not make, and no CACHEDIR.TAG of taskgraph's. ${FIX}`
  }
  // Only names a cache makes, but none a cache writes first: a `functions/` or a `tmp/`
  // of the user's own.
  if (names.some((name) => WRITTEN_FIRST.has(name))) return undefined
  return `${notCache}: it holds ${names.map((name) => JSON.stringify(name)).join(', ')}, but no CACHEDIR.TAG of taskgraph's nor what a cache writes first (index, packs, file-hashes.json). ${FIX}; if it is a cache an earlier taskgraph made, remove it`
}

/**
 * Makes the cache's `directory` if it is missing, and writes taskgraph's tag in it unless
 * it has one: before anything else is made there, by a new cache, one made again
 * (removed while a run stores) or one made before the tags; a tag that is not
 * taskgraph's, or not a file, is replaced. Another run looking at the
 * directory meanwhile (`foreignDirectory`) finds it empty or tagged, never with a `tmp/`
 * and no tag, nor a tag half written: the tag is written under a dotfile's name, which
 * that look passes over, and renamed into place.
 * @throws what the file system said, if the tag could not be written (a full disk): then
 * nothing else may be made there, or the directory would read as foreign from then on
 */
export function tagDirectory(directory: string): void {
  if (hasOwnTag(directory)) return
  const tag = join(directory, TAG_NAME)
  const written = join(directory, `.${TAG_NAME}.${process.pid}.${randomUUID()}`)
  try {
    makeDirectorySync(directory)
    writeFileSync(written, TAG_TEXT)
    renameSync(written, tag)
  } catch (error) {
    try {
      rmSync(written, { force: true })
    } catch {
      // Nor can it be cleaned: the write's error is the one to tell.
    }
    throw error
  }
}

const FIX =
  "Give the cache a directory of its own, such as '.taskgraph-cache' (a missing one is made): clearing and pruning a cache remove what it made there by name"

/**
 * Whether the directory's CACHEDIR.TAG is taskgraph's: read as the cache's own files are
 * (a named pipe or a link to a device put there is none, and is not waited on).
 */
function hasOwnTag(directory: string): boolean {
  try {
    const text = readCacheFileStartSync(join(directory, TAG_NAME), 4096)
    return text.startsWith(SIGNATURE) && text.includes(OWNER)
  } catch {
    return false
  }
}
