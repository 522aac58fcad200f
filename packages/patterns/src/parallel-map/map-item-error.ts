import { TaskError, type TaskErrorOptions } from '@taskgraph/scheduler'
import { causeText } from '@taskgraph/scheduler/internal'

/**
 * `fn` threw (or rejected) on one item of `parallelMap`, `Vectorizer#process` or a
 * computed `Vectorizer#map`: a `TaskError` naming the chunk's task and `fn`, and the
 * item's `index` in the input. `cause` is what `fn` threw.
 */
export class MapItemError extends TaskError {
  /** The failed item's index in the items the call was given. */
  readonly index: number

  constructor(options: TaskErrorOptions & { readonly index: number }) {
    const { index, cause } = options
    // TaskError's `report` (internal, for its subclasses) words the message. A task
    // failure like any other, the index added: it keeps the code that matches those.
    const init = {
      ...options,
      report: {
        code: 'ERR_TASK_FAILED',
        message: `failed on item ${index} (its index in items): ${causeText(cause)}`,
      },
    }
    super(init)
    this.index = index
  }
}
MapItemError.prototype.name = 'MapItemError'
