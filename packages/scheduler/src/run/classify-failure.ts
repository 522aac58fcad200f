import {
  SerializationError,
  StalledError,
  TaskError,
  TimeoutError,
  UnhandledRejectionError,
  WorkerLostError,
} from '../errors.js'
import {
  NotSerializable,
  Stalled,
  TimedOut,
  UnhandledRejection,
  WorkerLost,
} from '../executors/executor-faults.js'

/** The `TaskError` reporting how task `key` failed, from what its executor rejected with. */
export function toTaskError(
  key: string,
  functionName: string,
  failure: unknown,
  caller: string,
  attempts: number,
): TaskError {
  if (failure instanceof WorkerLost)
    return new WorkerLostError(key, functionName, failure, caller, attempts)
  if (failure instanceof TimedOut)
    return new TimeoutError(key, functionName, caller, failure.timeoutMs, failure.how)
  if (failure instanceof Stalled) return new StalledError({ key, functionName, caller })
  if (failure instanceof UnhandledRejection)
    return new UnhandledRejectionError({ key, functionName, caller, reason: failure.reason })
  if (failure instanceof NotSerializable) {
    return new SerializationError(
      key,
      functionName,
      caller,
      failure.direction,
      failure.path,
      failure.valueType,
      failure.reason,
    )
  }
  return new TaskError(key, functionName, failure, caller)
}
