import { ExecutorClosedError, WorkerModuleError, WorkerStartError, causeText } from '../errors.js'
import {
  DiscardedFault,
  ExecutorClosedFault,
  RunFault,
  WorkerModuleFault,
  WorkerStartFault,
} from '../executors/executor-faults.js'

/**
 * The error that fails a whole run, when an executor's failure is not any one task's:
 * the executor was closed, or its workers could not start. `undefined` for a task's own
 * failure. A call dropped although its run had not stopped is an executor's fault too.
 */
export function runFailureOf(
  error: unknown,
  at: { caller: string; executor: string; key: string; stopping: boolean },
): { readonly error: unknown } | undefined {
  const { caller, executor } = at
  if (error instanceof DiscardedFault) {
    if (at.stopping) return undefined
    return {
      error: new Error(
        `${caller}: the ${executor} executor dropped task ${JSON.stringify(at.key)} before it started, although the run had not stopped.`,
      ),
    }
  }
  if (error instanceof ExecutorClosedFault) {
    return {
      error: new ExecutorClosedError({ caller, executor, whileRunning: error.whileRunning }),
    }
  }
  if (error instanceof RunFault) return { error: error.error }
  if (error instanceof WorkerModuleFault) {
    const { worker, how } = error
    return { error: new WorkerModuleError({ caller, executor, worker, how, error: error.error }) }
  }
  if (error instanceof WorkerStartFault) {
    return {
      error: new WorkerStartError({
        caller,
        executor,
        detail: error.message,
        limitMs: error.limitMs,
        signal: error.signal,
        cause: error.cause,
      }),
    }
  }
  return undefined
}

/** Tells that code task `key` left behind in a pool's worker threw after its run had ended. */
export function warnLateException(key: string, name: string, error: unknown): void {
  process.emitWarning(
    `task ${JSON.stringify(key)} (function ${name}) left a callback behind that threw with nothing to catch it, after its run had ended, and ended its worker: ${causeText(error)}`,
    { code: 'TASKGRAPH_UNCAUGHT_EXCEPTION' },
  )
}

/** A rejection nothing handled, from a task whose run has ended: it can only be told. */
export function warnLateRejection(key: string, name: string, reason: unknown): void {
  process.emitWarning(
    `task ${JSON.stringify(key)} (function ${name}) made a promise that rejected with nothing to handle it, after its run had ended: ${causeText(reason)}`,
    { code: 'TASKGRAPH_UNHANDLED_REJECTION' },
  )
}
