import { TaskgraphError } from '@taskgraph/core'

/**
 * A property of an object made by `definition.create(fields)` was read before
 * `parallelCompute` computed it, or it was not among the requested properties (those
 * are the only ones the object keeps).
 */
export class NotComputedError extends TaskgraphError {
  constructor(
    /** The property read. */
    readonly property: string,
  ) {
    super({
      code: 'ERR_NOT_COMPUTED',
      message:
        `reading property "${property}": it has not been computed on this object. ` +
        `Compute it first with parallelCompute(object, ['${property}']); only the requested properties are kept.`,
    })
  }
}
NotComputedError.prototype.name = 'NotComputedError'

// This package's codes, among those of `TaskgraphError#code` (see `TaskgraphErrorCodes`).
declare module '@taskgraph/core' {
  interface TaskgraphErrorCodes {
    ERR_NOT_COMPUTED: NotComputedError
  }
}
