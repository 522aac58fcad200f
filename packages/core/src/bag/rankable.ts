// What `topk`, `min` and `max` compare with `<` and `>`, checked in their tasks. Those
// operators give a consistent order only among numbers and bigints (and dates), or
// among strings: NaN, undefined (a missing property) or a mix of numbers and strings is
// neither larger nor smaller than what it meets, so the result would depend on where
// the partitions are cut. Such a value fails the task instead of giving a wrong result.
import { describeValue, InvalidArgumentError } from '../errors.js'

/** Which values `<` and `>` order among themselves: a value's kind, or none. */
type Kind = 'number' | 'string'

function kindOf(value: unknown): Kind | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? undefined : 'number'
    case 'bigint':
      return 'number'
    case 'string':
      return 'string'
    default:
      return value instanceof Date && !Number.isNaN(value.getTime()) ? 'number' : undefined
  }
}

/**
 * Checks that `operation` can rank `values` (its items or keys, `what` says which):
 * all numbers, bigints or dates, or all strings.
 */
export function checkRankable(operation: string, what: string, values: readonly unknown[]): void {
  const call = operation === 'topk' ? 'topk(k)' : `${operation}()`
  let first: Kind | undefined
  for (const value of values) {
    const kind = kindOf(value)
    if (kind === undefined) {
      throw new InvalidArgumentError({
        message:
          `Bag#${operation}: ${what} is ${describeValue(value)}, which ${operation} cannot rank: it compares with < and >, which order numbers, bigints and dates, or strings. ` +
          `Filter such items out first, e.g. bag.filter(...).${call}, or map them to a number or a string.`,
      })
    }
    if (first === undefined) first = kind
    else if (kind !== first) {
      throw new InvalidArgumentError({
        message:
          `Bag#${operation}: the ${what === 'a key' ? 'keys' : 'items'} mix numbers and strings, which < and > do not order consistently ('10' > 9, but neither 'a' > 1 nor 'a' < 1). ` +
          `Make them one kind first, e.g. bag.map(Number).${call} or bag.map(String).${call}.`,
      })
    }
  }
}
