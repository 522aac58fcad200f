import {
  SerializationError,
  StalledError,
  TaskError,
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

/** The `TaskError` reporting how task `key` failed, from what its executor rejected with. */
export function toTaskError(
  key: string,
  functionName: string,
  failure: unknown,
  caller: string,
  attempts: number,
): TaskError {
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
  if (failure instanceof NotSerializableFault) {
    return new SerializationError({
      key,
      functionName,
      caller,
      direction: failure.direction,
      path: failure.path,
      valueType: failure.valueType,
      reason: failure.reason,
    })
  }
  return new TaskError({ key, functionName, caller, cause: failure })
}
