import { InvalidArgumentError } from '@taskgraph/core'
import type { ErrorInit } from '@taskgraph/core/internal'

/** A trace given to read is not one taskgraph wrote (not JSON, or not its events). */
export class InvalidTraceError extends InvalidArgumentError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_INVALID_TRACE' })
  }
}
InvalidTraceError.prototype.name = 'InvalidTraceError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_INVALID_TRACE: InvalidTraceError
  }
}
