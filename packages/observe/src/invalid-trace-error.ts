import { InvalidArgumentError } from '@taskgraph/core'
import type { ErrorInit } from '@taskgraph/core/internal'

/** A trace given to read is not one taskgraph wrote (not JSON, or not its events). */
export class InvalidTraceError extends InvalidArgumentError {
  constructor(init: ErrorInit) {
    super({ ...init, code: 'ERR_INVALID_TRACE' })
  }
}
InvalidTraceError.prototype.name = 'InvalidTraceError'
