import type { AnyFunction } from '@taskgraph/core'
import {
  failingFunctionName,
  UNSENDABLE_PLACE,
  type NameUnsendable,
} from '@taskgraph/core/internal'
import {
  SerializationError,
  StalledError,
  TaskError,
  type TaskErrorOptions,
  TimeoutError,
  UncaughtExceptionError,
  UnhandledRejectionError,
  WorkerLostError,
} from '../errors.js'
import {
  NotSerializableFault,
  StalledFault,
  TimedOutFault,
  UncaughtExceptionFault,
  UnhandledRejectionFault,
  WorkerLostFault,
} from '../executors/executor-faults.js'

/**
 * Where a task function keeps how its own failures are reported, when it can say more
 * than a plain `TaskError` (a parallel map's chunk names the item that failed): a
 * `FailureReport`, given what a `TaskError` would name, `cause` what the task threw (on
 * a pool, a copy) or a `NotSerializableFault`, and the task's arguments as recorded.
 * For a fault of the run rather than of the task's own code (a lost worker, a timeout),
 * it is also given the error made for it (`fault`), to return with more said (the
 * element of a batch the task was computing) or leave as it is.
 * `Symbol.for`: shared by every copy of taskgraph in the process.
 */
export const FAILURE_REPORT = Symbol.for('taskgraph.failureReport')

/** A task function's report of its failure (`FAILURE_REPORT`); `undefined`: a plain one. */
export type FailureReport = (
  options: TaskErrorOptions,
  args: readonly unknown[],
  fault?: TaskError,
) => TaskError | undefined

/**
 * The `TaskError` reporting how task `key` failed, from what its executor rejected with.
 * `fn`, the task's function: its `FAILURE_REPORT`, if it has one, words what it threw or
 * could not send, given the task's arguments `args`; a task applying the user's function
 * (a bag's `map`) is named by that function rather than `taskName`.
 */
export function toTaskError(
  key: string,
  taskName: string,
  failure: unknown,
  caller: string,
  attempts: number,
  fn?: AnyFunction,
  args: readonly unknown[] = [],
): TaskError {
  const functionName = failingFunctionName(fn, args, failure, taskName)
  if (failure instanceof OpaqueThrow) {
    return new TaskError({ key, functionName, caller, cause: failure.thrown })
  }
  const report = (fn as { [FAILURE_REPORT]?: FailureReport } | undefined)?.[FAILURE_REPORT]
  const options = { key, functionName, caller, cause: failure }
  const fault = faultError(options, attempts)
  if (fault !== undefined) return report?.(options, args, fault) ?? fault
  const reported = report?.(options, args)
  if (reported !== undefined) return reported
  if (failure instanceof NotSerializableFault) {
    // A bag's task names the value by partition and item, as the user knows the bag.
    const name = (fn as { [UNSENDABLE_PLACE]?: NameUnsendable } | undefined)?.[UNSENDABLE_PLACE]
    const place = name?.(failure.direction, failure.path, args)
    return new SerializationError({
      key,
      functionName,
      caller,
      direction: failure.direction,
      path: place?.path ?? failure.path,
      valueType: failure.valueType,
      reason: failure.reason,
      partition: place?.partition,
      index: place?.index,
      advice: place?.advice ?? failure.read?.advice,
      failed: failure.read?.failed,
    })
  }
  return new TaskError({ key, functionName, caller, cause: failure })
}

/** The error of a fault of the run (a lost worker, a timeout...); `undefined` for another failure. */
function faultError(options: TaskErrorOptions, attempts: number): TaskError | undefined {
  const { key, functionName, caller, cause: failure } = options
  if (failure instanceof WorkerLostFault)
    return new WorkerLostError({ key, functionName, caller, cause: failure, attempts })
  if (failure instanceof TimedOutFault)
    return new TimeoutError({
      key,
      functionName,
      caller,
      timeoutMs: failure.timeoutMs,
      how: failure.how,
    })
  if (failure instanceof StalledFault) return new StalledError({ key, functionName, caller })
  if (failure instanceof UnhandledRejectionFault)
    return new UnhandledRejectionError({ key, functionName, caller, reason: failure.reason })
  if (failure instanceof UncaughtExceptionFault)
    return new UncaughtExceptionError({ key, functionName, caller, error: failure.error })
  return undefined
}

/**
 * What a task threw that throws as it is looked at: a Proxy whose `getPrototypeOf` trap
 * throws, which every `instanceof` calls. The run tells faults apart by `instanceof`; it
 * carries such a value in this, which `toTaskError` makes the cause.
 */
export class OpaqueThrow {
  constructor(readonly thrown: unknown) {}
}

/** `failure`, or an `OpaqueThrow` of it if its prototype cannot be read. */
export function inspectableFailure(failure: unknown): unknown {
  if (failure === null || (typeof failure !== 'object' && typeof failure !== 'function')) {
    return failure
  }
  try {
    Object.getPrototypeOf(failure)
    return failure
  } catch {
    return new OpaqueThrow(failure)
  }
}
