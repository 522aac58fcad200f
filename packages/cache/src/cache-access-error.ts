import { TaskgraphError } from '@taskgraph/core'
import { fileInTheWay, fileInTheWayText } from '@taskgraph/core/internal'
import { NOT_REGULAR } from './regular-files.js'

/**
 * A call on a cache (`TaskCache#entries`, `#prune`, `#clear`, `#explain`) could not read
 * or change its directory: a read-only file system, or a user without the rights. (A run
 * that cannot read or store results goes on, with a warning: its result does not need
 * them.)
 */
export class CacheAccessError extends TaskgraphError {
  /** The cache's directory. */
  readonly directory: string

  constructor(call: string, directory: string, cause: NodeJS.ErrnoException) {
    super({
      code: 'ERR_CACHE_ACCESS',
      message: `${call}: could not use the cache in ${directory} (${cause.message}). ${accessFix(cause.code, directory)}, then run again.`,
      cause,
    })
    this.directory = directory
  }
}
CacheAccessError.prototype.name = 'CacheAccessError'

/**
 * What a run's warning about its cache `directory` adds to the file system's `error`: the
 * fix, where the error says more than that the directory is not writable.
 */
export function damageHint(error: unknown, directory: string): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ELOOP' ||
    code === 'EISDIR' ||
    code === 'ENOTDIR' ||
    code === 'EEXIST' ||
    code === NOT_REGULAR
    ? `. ${accessFix(code, directory)}`
    : ''
}

/**
 * What to do about a cache whose directory has become a file, or lies under one now
 * (`taskgraph cache clear` refuses it, as it refuses a file from the start).
 */
export const NOT_A_DIRECTORY_FIX =
  'remove that file (a missing directory is made again), or give the cache another directory'

/** What to do about a cache `directory` the file system refused with error `code`. */
function accessFix(code: string | undefined, directory: string): string {
  if (code === 'ELOOP')
    return 'A symbolic link on its path leads round in a loop: make the link point at a directory'
  if (code === NOT_REGULAR) {
    // A named pipe, a socket or a device where the cache keeps a file (by hand).
    return "Something in it is not what the cache made there (not a regular file where it keeps one): `taskgraph cache clear` removes the cache's own files"
  }
  if (code === 'EISDIR' || code === 'ENOTDIR' || code === 'EEXIST') {
    const blocked = fileInTheWay(directory)
    if (blocked !== undefined) {
      return `It is not a directory any more (${fileInTheWayText(directory, blocked)}): ${NOT_A_DIRECTORY_FIX}`
    }
    // A file of the cache's replaced by a directory, or the other way round (by hand).
    return "Something in it is not what the cache made there (a directory where it keeps a file, or a file where it keeps a directory): `taskgraph cache clear` removes the cache's own files"
  }
  return 'Check that it is on a writable file system and that this user may read and write it'
}

/**
 * `error` as what `call` throws: a `CacheAccessError` for the file system's refusal (an
 * error with an errno code), anything else as it is.
 */
export function asAccessError(call: string, directory: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return error instanceof Error && typeof code === 'string' && code.startsWith('E')
    ? new CacheAccessError(call, directory, error)
    : error
}

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_CACHE_ACCESS: CacheAccessError
  }
}
