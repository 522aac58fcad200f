import { TaskgraphError } from '@taskgraph/core'

/**
 * A task threw or rejected. Names the task's key and function; the original error is
 * `cause`, with its stack. The task's dependents did not run.
 */
export class TaskError extends TaskgraphError {
  constructor(
    /** Key of the task that failed. */
    readonly key: string,
    /** Name of the task's function. */
    readonly functionName: string,
    cause: unknown,
    caller: string,
  ) {
    super(
      'ERR_TASK_FAILED',
      `${caller}: task ${JSON.stringify(key)} (function ${functionName}) failed: ${causeText(cause)}`,
      { cause },
    )
  }
}
TaskError.prototype.name = 'TaskError'

/**
 * Several tasks failed in a run that finished every task it could (`failFast: false`).
 * `errors` holds one `TaskError` per failed task, in the order they failed.
 */
export class AggregateTaskError extends TaskgraphError {
  constructor(
    readonly errors: readonly TaskError[],
    caller: string,
  ) {
    super(
      'ERR_TASKS_FAILED',
      `${caller}: ${errors.length} task${errors.length === 1 ? '' : 's'} failed: ` +
        errors
          .map(
            (e) => `${JSON.stringify(e.key)} (function ${e.functionName}): ${causeText(e.cause)}`,
          )
          .join('; '),
      { cause: errors[0] },
    )
  }
}
AggregateTaskError.prototype.name = 'AggregateTaskError'

/** The run was stopped through its `AbortSignal` before it finished. */
export class CancelledError extends TaskgraphError {
  constructor(caller: string, reason: unknown) {
    super(
      'ERR_CANCELLED',
      `${caller}: the run was cancelled (${causeText(reason)}); tasks not yet finished were abandoned.`,
      {
        cause: reason,
      },
    )
  }
}
CancelledError.prototype.name = 'CancelledError'

function causeText(cause: unknown): string {
  if (cause instanceof Error) return `${cause.name}: ${cause.message}`
  return typeof cause === 'string' ? cause : `thrown value ${String(cause)}`
}
