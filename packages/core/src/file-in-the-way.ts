import { statSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'

// A directory a user names for taskgraph to keep files in (a cache, a parallel property's
// `cacheDir`) may be missing, and is then made; it cannot be made, nor used, where it or
// a directory above it is a file. Told before a run, the message names that file: the
// file system says only ENOTDIR or EEXIST, for the path as a whole.

/**
 * The first of `path` (made absolute) and the directories above it that is there but is
 * not a directory, following links; `undefined` if none is (a directory, or a path
 * missing under directories), or if the file system cannot tell (a directory this user
 * may not read: using the path then tells why).
 */
export function fileInTheWay(path: string): string | undefined {
  for (let at = resolve(path); ; at = dirname(at)) {
    let found
    try {
      found = statSync(at, { throwIfNoEntry: false })
    } catch (error) {
      // ENOTDIR: a file above it, met further up.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') return undefined
    }
    if (found !== undefined) return found.isDirectory() ? undefined : at
    if (dirname(at) === at) return undefined
  }
}

/**
 * What `fileInTheWay(path)`, `file`, is to `path`: `it is a file`, or `a/b is a file`,
 * named as `path` is (from the working directory, if `path` is relative).
 */
export function fileInTheWayText(path: string, file: string): string {
  if (file === resolve(path)) return 'it is a file'
  return `${isAbsolute(path) ? file : relative(process.cwd(), file)} is a file`
}
