import { TaskgraphError } from '@taskgraph/core'

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
      message: `${call}: could not use the cache in ${directory} (${cause.message}). ${cause.code === 'ELOOP' ? 'A symbolic link on its path leads round in a loop: make the link point at a directory' : 'Check that it is on a writable file system and that this user may read and write it'}, then run again.`,
      cause,
    })
    this.directory = directory
  }
}
CacheAccessError.prototype.name = 'CacheAccessError'

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
