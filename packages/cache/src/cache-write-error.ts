import { TaskgraphError } from '@taskgraph/core'

/**
 * `TaskCache.prune` or `clear` could not change the cache's directory: a read-only file
 * system, or a user without the rights. (A run that cannot store its results goes on,
 * with a warning: its result does not need them.)
 */
export class CacheWriteError extends TaskgraphError {
  /** The cache's directory. */
  readonly directory: string

  constructor(call: string, directory: string, cause: NodeJS.ErrnoException) {
    super({
      code: 'ERR_CACHE_WRITE',
      message: `${call}: could not change the cache in ${directory} (${cause.message}). Check that it is on a writable file system and that this user may write it, then run again.`,
      cause,
    })
    this.directory = directory
  }
}
CacheWriteError.prototype.name = 'CacheWriteError'

/**
 * `error` as what `call` throws: a `CacheWriteError` for the file system's refusal (an
 * error with an errno code), anything else as it is.
 */
export function asWriteError(call: string, directory: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return error instanceof Error && typeof code === 'string' && code.startsWith('E')
    ? new CacheWriteError(call, directory, error)
    : error
}
