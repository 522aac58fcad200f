// How bag operations that group, rank or de-duplicate items take their key: a function
// of the item, or the name (or index) of one of its properties. A property name crosses
// to workers as plain data; a function must be one workers can find again.
import { describeValue, InvalidArgumentError } from '../errors.js'
import { synchronous } from './function-results.js'

/** Values `topk`, `min` and `max` compare with `<` and `>`. */
export type Comparable = number | string | bigint

/** A key of `T` given by name: a property name or an array index. */
export type ItemProperty<T> = keyof T & (string | number)

/** The key of an item: a function of it, or one of its properties by name. */
export type KeySelector<T, K> = ((item: T) => K) | ItemProperty<T>

/**
 * The key `key` selects from `item`. A negative index of an array, a typed array or a
 * string counts from the end, as `Array.prototype.at` and `Delayed#at` (and Python's
 * indexing in Dask); of anything else, `-1` is a property name as any other. A missing
 * property is `undefined`, as in JavaScript (Dask's `pluck` raises a `KeyError`), but
 * `null` and `undefined` have no properties at all: such an item fails `operation`'s
 * task with an `InvalidArgumentError` rather than a bare `TypeError`. Runs in tasks, on
 * workers too.
 */
export function selectKey(operation: string, item: unknown, key: unknown): unknown {
  if (typeof key === 'function') return (key as (item: unknown) => unknown)(item)
  if (item === null || item === undefined) {
    throw new InvalidArgumentError({
      message:
        `Bag#${operation}: an item is ${describeValue(item)}, which has no property ${JSON.stringify(key)}. ` +
        `Filter such items out first, e.g. bag.filter((item) => item != null).${operation}(...), ` +
        (operation === 'pluck'
          ? `or map them, e.g. bag.map((item) => item?.[${JSON.stringify(key)}]).`
          : 'or give a key function that handles them.'),
    })
  }
  if (typeof key === 'number' && key < 0 && isIndexable(item)) return item.at(key)
  return (item as Record<string | number, unknown>)[key as string | number]
}

/**
 * The key `key` selects from `item` for `operation` to group items by (`groupBy`,
 * `foldBy`, `distinct`). A symbol fails the task on every executor, not only on pools:
 * there each partition's groups cross to the main thread by structured clone, which
 * cannot copy a symbol, and each worker makes its own `Symbol('a')` anyway, so
 * partitions grouped in different workers could never be merged.
 */
export function groupKey(operation: string, item: unknown, key: unknown): unknown {
  const k = selectKey(operation, item, key)
  if (typeof k !== 'symbol') return k
  throw new InvalidArgumentError({
    message:
      `Bag#${operation}: the key of an item is ${describeValue(k)}, and a bag cannot group by symbols: on threads and processes keys cross between workers, which cannot copy a symbol. ` +
      "Key by a string or a number instead, e.g. the symbol's description: (item) => key(item).description.",
  })
}

/**
 * `item`, which `operation` compares as a key of its own (`frequencies`, `distinct`
 * without a key): a symbol fails the task on every executor, as a symbol key does (see
 * `groupKey`).
 */
export function itemKey(operation: string, item: unknown): unknown {
  if (typeof item !== 'symbol') return item
  throw new InvalidArgumentError({
    message:
      `Bag#${operation}: an item is ${describeValue(item)}, and a bag cannot compare symbols: on threads and processes items cross between workers, which cannot copy a symbol. ` +
      "Map them to strings first, e.g. the symbol's description: bag.map((item) => item.description).",
  })
}

function isIndexable(item: unknown): item is { at(index: number): unknown } {
  return (
    Array.isArray(item) ||
    typeof item === 'string' ||
    (ArrayBuffer.isView(item) && !(item instanceof DataView))
  )
}

/**
 * A key selector as `operation`'s task applies it: a key function that returns a
 * promise fails the task (each promise would be a key of its own).
 */
export function taskKey<K>(operation: string, key: K): K {
  return typeof key === 'function'
    ? (synchronous(operation, 'the key function', key as (item: unknown) => unknown) as K)
    : key
}
