import { isDelayedFunction } from '../lazy/delayed-function.js'
import { describeValue, InvalidArgumentError, NotCallableError } from '../errors.js'
import { recordOrigin } from '../origin.js'
import type { AnyFunction } from '../types.js'

/** An arrow function of the form each role takes, for messages. */
const EXAMPLES: Record<string, string> = {
  binop: '(acc, item) => ...',
  combine: '(a, b) => ...',
  perPartition: '(items) => ...',
  aggregate: '(results) => ...',
}

/**
 * The function a bag operation runs on items, checked and recorded. A delayed function
 * stands for the function it wraps (its calls would record tasks instead of running).
 * Recording it while a module's top-level code runs lets pool workers find it again, so
 * `bag.map((x) => x + 1)` written at a module's top level runs in workers.
 */
export function itemFunction(caller: string, role: string, fn: unknown): AnyFunction {
  if (typeof fn !== 'function') {
    throw new NotCallableError({
      message:
        `${caller}: ${role} must be a function, got ${describeValue(fn)}. ` +
        // An example of the role's own form: this may be filter's predicate, or a combine.
        `Pass the function itself, such as ${EXAMPLES[role] ?? '(item) => ...'}, not the result of calling it.`,
    })
  }
  const plain = isDelayedFunction(fn) ? fn.fn : (fn as AnyFunction)
  recordOrigin(plain)
  return plain
}

/**
 * A key selector: a function (checked and recorded as above) or a property name or
 * index, which crosses to workers as plain data.
 */
export function keySelector(caller: string, key: unknown): AnyFunction | string | number {
  if (typeof key === 'function') return itemFunction(caller, 'the key', key)
  if (isPropertyName(key)) return key
  throw new InvalidArgumentError({
    message:
      `${caller}: the key must be a function of the item or a property name (a string or an integer index), got ${describeValue(key)}. ` +
      "Pass e.g. (item) => item.id, or 'id'.",
  })
}

/** A property name or array index, as `pluck` takes. */
export function propertyName(caller: string, key: unknown): string | number {
  if (isPropertyName(key)) return key
  throw new InvalidArgumentError({
    message:
      `${caller}: the key must be a property name (a string) or an array index (an integer), got ${describeValue(key)}. ` +
      'To take something else from each item, use map((item) => ...).',
  })
}

function isPropertyName(key: unknown): key is string | number {
  return typeof key === 'string' || (typeof key === 'number' && Number.isInteger(key))
}

/** A whole number from 0 up, such as `k` of `topk`. */
export function wholeNumber(caller: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError({
      message: `${caller}: ${name} must be a whole number (0 or more), got ${describeValue(value)}.`,
    })
  }
  return value
}
