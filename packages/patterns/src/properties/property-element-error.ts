import { TaskError, type TaskErrorOptions } from '@taskgraph/scheduler'
import { causeText } from '@taskgraph/scheduler/internal'

/**
 * A per-element property's function threw (or rejected) on one element of the batch: a
 * `TaskError` naming the task and the property (`functionName`), and the element's
 * `index` in the batch. `cause` is what the function threw.
 */
export class PropertyElementError extends TaskError {
  /** The failed element's index in the batch (in the batched fields). */
  readonly index: number

  constructor(options: TaskErrorOptions & { readonly index: number }) {
    const { index, cause } = options
    // TaskError's `report` (internal, for its subclasses) words the message. A task
    // failure like any other, the element added: it keeps the code that matches those.
    const init = {
      ...options,
      report: {
        code: 'ERR_TASK_FAILED',
        message: `failed on element ${index} of the batch: ${causeText(cause)}`,
      },
    }
    super(init)
    this.index = index
  }
}
PropertyElementError.prototype.name = 'PropertyElementError'
