import { InvalidArgumentError } from '@taskgraph/core'

/**
 * A cache was given a directory that is not a cache's (foreign-directory.ts): it holds
 * what no cache makes (a project's files), without the tag a cache writes. Nothing in it
 * is read, written or removed.
 */
export class NotACacheError extends InvalidArgumentError {
  /** The directory given. */
  readonly directory: string

  /** `reason`: what `foreignDirectory` says of `directory`. */
  constructor(call: string, directory: string, reason: string) {
    super({ code: 'ERR_NOT_A_CACHE', message: `${call}: ${reason}.` })
    this.directory = directory
  }
}
NotACacheError.prototype.name = 'NotACacheError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_NOT_A_CACHE: NotACacheError
  }
}
