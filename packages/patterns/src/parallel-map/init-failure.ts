import { TaskError, type TaskErrorOptions } from '@taskgraph/scheduler'
import { causeText } from '@taskgraph/scheduler/internal'

// How a parallel map's chunk says that `init`, not `fn`, failed: the run reports a copy of
// what it throws (from a worker: name, fields and cause only) as a TaskError naming init.

/** The name of an `initFailure`, which is all of it a copy from a worker keeps besides its cause. */
const INIT_FAILURE = 'TaskgraphInitFailure'

/** What a chunk throws when `init` throws or rejects: what it threw is the `cause`. */
export function initFailure(cause: unknown): Error {
  const error = new Error('init failed', { cause })
  error.name = INIT_FAILURE
  return error
}

/**
 * The run's error for a chunk whose `init` failed (an `initFailure`, or a worker's copy of
 * one): a `TaskError` naming `init`, with what it threw as `cause`; `undefined` otherwise.
 */
export function reportInitFailure(options: TaskErrorOptions, init: unknown): TaskError | undefined {
  const failure = options.cause
  if (!(failure instanceof Error) || failure.name !== INIT_FAILURE) return undefined
  const name = (typeof init === 'function' && init.name) || 'init'
  const { cause } = failure
  // TaskError's `report` (internal, as for its subclasses) words the message.
  const report = {
    ...options,
    cause,
    report: {
      code: 'ERR_TASK_FAILED',
      message: `failed before its first item: its init ${name}, which makes each worker's state, threw: ${causeText(cause)}`,
    },
  }
  return new TaskError(report)
}
