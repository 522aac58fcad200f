// What the functions given to bag operations return, checked in the tasks that call
// them. Only `map`'s and `reduction`'s may be async; any other that returns a promise
// would have the promise taken for its value (always truthy to `filter`, a key of its
// own to `groupBy`), so it fails its task instead of giving a wrong result.
import { describeValue, InvalidArgumentError } from '../errors.js'
import { isThenable } from '../thenable.js'

type AnyCall = (...args: never[]) => unknown

/** `fn`, failing if a call returns a promise (`role` is how `operation`'s docs name it). */
export function synchronous<F extends AnyCall>(operation: string, role: string, fn: F): F {
  return ((...args: Parameters<F>) => {
    const value = fn(...args)
    if (!isThenable(value)) return value
    // Its rejection, if it comes, is this error's business now: not an unhandled one.
    Promise.resolve(value).catch(() => undefined)
    throw new InvalidArgumentError({
      message:
        `Bag#${operation}: ${role} returned a promise, but only the functions of map and reduction may be async: ${operation} would take the promise for its value. ` +
        `Await in a map first, e.g. bag.map(async (item) => [item, await f(item)]), then call ${operation} on the results.`,
    })
  }) as F
}

/** What `fn` of `flatMap` returned for an item, or an item of `flatten`: an iterable. */
export function iterable(operation: string, what: string, value: unknown): Iterable<unknown> {
  if (
    (typeof value === 'object' || typeof value === 'string') &&
    value !== null &&
    typeof (value as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function'
  )
    return value as Iterable<unknown>
  throw new InvalidArgumentError({
    message:
      `Bag#${operation}: ${what} is ${describeValue(value)}, not an iterable. ` +
      (operation === 'flatMap'
        ? 'Return an array (or another iterable) of the items to put in the bag, e.g. [item] for one item.'
        : 'Flatten a bag of arrays (or other iterables); use map to turn other items into arrays first.'),
  })
}

/** An item of `sum` or `mean`: a number, or the task fails (a bigint would throw "Cannot mix BigInt and other types", a string would be concatenated). */
export function numeric(operation: string, value: unknown): number {
  if (typeof value === 'number') return value
  throw new InvalidArgumentError({
    message:
      `Bag#${operation}: an item is ${describeValue(value)}, not a number: ${operation} takes a bag of numbers. ` +
      `Turn the items into numbers first, e.g. bag.map(Number).${operation}(), or combine them with a fold, e.g. bag.fold((a, b) => a + b) for bigints.`,
  })
}
