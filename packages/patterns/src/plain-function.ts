import {
  InvalidArgumentError,
  NotCallableError,
  isDelayedFunction,
  type AnyFunction,
} from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/**
 * Checks a function that parallelMap, Vectorizer or inbatchParallel will call: a plain
 * function, not a delayed one (whose calls would record tasks instead of running).
 * `role` completes "expected the function to run …" in the error.
 */
export function checkPlainFunction(caller: string, fn: unknown, role: string): AnyFunction {
  if (typeof fn !== 'function') {
    throw new NotCallableError({
      message: `${caller}: expected the function to run ${role}, got ${describeValue(fn)}.`,
    })
  }
  if (isDelayedFunction(fn)) {
    throw new InvalidArgumentError({
      message: `${caller}: ${fn.name} is a delayed function, whose calls record tasks instead of running. Pass the plain function (${fn.name}.fn).`,
    })
  }
  return fn as AnyFunction
}
