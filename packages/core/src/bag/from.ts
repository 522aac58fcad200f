import { collectFirst, isAsyncIterable } from '../async-iterable.js'
import type { Delayed } from '../lazy/delayed.js'
import { isDelayed } from '../lazy/is-delayed.js'
import { KeyKind } from '../lazy/lazy-node.js'
import { describeValue, errorText, InvalidArgumentError, InvalidOptionError } from '../errors.js'
import { gather } from '../lazy/gather.js'
import { findLazy } from '../lazy/lazy-args.js'
import { makeData } from '../lazy/make-task.js'
import { checkOptionNames } from '../option-names.js'
import { recordOrigin } from '../origin.js'
import type { NotAString } from '../not-a-string.js'
import type { AnyFunction, Lazy } from '../types.js'
import { Bag } from './bag.js'
import { splitBySize, splitEvenly } from './split-evenly.js'

/** Options of `bag.from(items, options)`: how the items are cut into partitions. Give at most one. */
export interface FromOptions {
  /**
   * The number of partitions; items are spread evenly over them, in order.
   * @default one per item up to 100 items, 100 beyond that
   */
  partitions?: number
  /** The number of items per partition (the last one may hold fewer). */
  partitionSize?: number
}

/** Most partitions `bag.from` makes unless told otherwise. */
const DEFAULT_MAX_PARTITIONS = 100
/**
 * Most items `bag.from` reads from an iterable of no known size (a generator, an
 * iterator): one that never ends would otherwise hold the program until memory runs out.
 */
export const MAX_ITERATED_ITEMS = 10_000_000
const PARTITION_NAME = 'partition'
const FROM_OPTION_NAMES = ['partitions', 'partitionSize']

/**
 * A bag of the items of `items`, cut into partitions in order (Dask's
 * `from_sequence`). The items are part of the graph as data: they are copied to the
 * workers that need them. An iterable of no known size (a generator) is read up to
 * 10,000,000 items; one that gives more is refused, as it may never end.
 * @example bag.from(lines, { partitions: 8 })
 */
function from<T>(items: Iterable<T> & NotAString, options: FromOptions = {}): Bag<T> {
  if (typeof items === 'string') {
    throw new InvalidArgumentError({
      message:
        `bag.from: expected an iterable of items, got ${describeValue(items)}. ` +
        'Wrap one string in an array, bag.from([text]), or spread it, bag.from([...text]), for its characters.',
    })
  }
  if (
    items === null ||
    typeof items !== 'object' ||
    typeof (items as Partial<Iterable<T>>)[Symbol.iterator] !== 'function'
  ) {
    if (isAsyncIterable(items)) {
      throw new InvalidArgumentError({
        message:
          'bag.from: expected an iterable of items, got an async iterable, which bag.from does not take: a bag holds its items in the graph. ' +
          collectFirst('items'),
      })
    }
    throw new InvalidArgumentError({
      message: `bag.from: expected an iterable of items (an array, a Set, a generator...), got ${describeValue(items)}.`,
    })
  }
  const { partitions, partitionSize } = checkFromOptions(options)
  const all = readItems(items)
  recordItemFunctions(all)
  checkPartitionCount(partitions, all.length)
  const lazy = findLazy(all)
  if (lazy !== undefined && !isDelayed(lazy)) {
    throw futureItems('bag.from', 'the items hold', 'bag.from(items)')
  }
  if (lazy !== undefined) {
    throw new InvalidArgumentError({
      message:
        'bag.from: the items hold Delayed values, which a bag of data cannot resolve. ' +
        'Use bag.fromPartitions([[a, b], [c]]) to make partitions of lazy items.',
    })
  }
  const runs =
    partitionSize !== undefined
      ? splitBySize(all, partitionSize)
      : splitEvenly(all, partitions ?? Math.max(1, Math.min(all.length, DEFAULT_MAX_PARTITIONS)))
  return new Bag(runs.map((run) => makeData(run, PARTITION_NAME, undefined, KeyKind.Unique)))
}

/**
 * The items of `items`, in order. Arrays, `Set`s, `Map`s and typed arrays have a size, so
 * they end; anything else is read up to `MAX_ITERATED_ITEMS` items (leaving the loop
 * closes a generator, so its `finally` blocks run).
 */
function readItems<T>(items: Iterable<T>): T[] {
  try {
    return readAll(items)
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error
    // What the caller's iterator or generator threw, told as this call's mistake (as
    // parallelMap tells it), not as a bare error from inside taskgraph.
    throw new InvalidArgumentError({
      message:
        `bag.from: reading the items threw (${errorText(error)}), before anything ran. ` +
        'Give the items as data that can be read, e.g. an array read beforehand.',
      cause: error,
    })
  }
}

function readAll<T>(items: Iterable<T>): T[] {
  if (hasSize(items)) return Array.from(items)
  const all: T[] = []
  for (const item of items) {
    if (all.length === MAX_ITERATED_ITEMS) {
      throw new InvalidArgumentError({
        message:
          `bag.from: the iterable gave more than ${MAX_ITERATED_ITEMS.toLocaleString('en-US')} items and may never end; bag.from reads every item into the graph before it returns. ` +
          'Pass an iterable that ends soon (take the items you need from a generator first). If it does end, collect it into an array first, bag.from(Array.from(items)), which has no such limit; ' +
          'for more items than a graph should hold, have tasks make the partitions: bag.fromPartitions(parts.map((part) => load(part))).',
      })
    }
    all.push(item)
  }
  return all
}

/**
 * Items that are functions cross to workers as task functions do, by where they were
 * made: recorded as a bag operation records its function, those made in a module's
 * top-level code are found again by a worker importing that module.
 */
function recordItemFunctions(items: readonly unknown[]): void {
  for (const item of items) if (typeof item === 'function') recordOrigin(item as AnyFunction)
}

function hasSize(items: object): boolean {
  return (
    Array.isArray(items) ||
    items instanceof Set ||
    items instanceof Map ||
    ArrayBuffer.isView(items)
  )
}

/**
 * More partitions than items are empty ones, each still a task of every step: a few are
 * harmless (`bag.from([], { partitions: 4 })`), a billion would fill the memory while the
 * bag is being made, so beyond the default count they may not outnumber the items.
 */
function checkPartitionCount(partitions: number | undefined, items: number): void {
  if (partitions === undefined || partitions <= Math.max(items, DEFAULT_MAX_PARTITIONS)) return
  throw new InvalidOptionError({
    message:
      `bag.from: option "partitions" asks for ${partitions} partitions of ${items} item${items === 1 ? '' : 's'}; all but ${items} would be empty, each still a task of every step. ` +
      `Ask for at most ${Math.max(items, DEFAULT_MAX_PARTITIONS)} (as many as the items, or up to ${DEFAULT_MAX_PARTITIONS}), or use "partitionSize".`,
  })
}

/**
 * A bag whose partitions are given (Dask's `from_delayed`): each is an array of items,
 * which may be lazy, or a `Delayed` array (a task that loads one part of a dataset, say).
 * @example bag.fromPartitions(files.map((file) => readLines(file)))
 */
function fromPartitions<T>(partitions: readonly (Delayed<T[]> | readonly Lazy<T>[])[]): Bag<T> {
  if (!Array.isArray(partitions)) {
    throw new InvalidArgumentError({
      message:
        `bag.fromPartitions: expected an array of partitions, got ${describeValue(partitions)}. ` +
        'Pass e.g. [[1, 2], [3]], or an array of Delayed arrays.',
    })
  }
  // Every index, holes included (`[[1], , [2]]`): `map` would pass over a hole and leave
  // it in the bag, where count and sum made NaN of it.
  const parts = Array.from(partitions as readonly unknown[], (part, i): Delayed<T[]> => {
    if (isDelayed(part)) return part as Delayed<T[]>
    if (!Array.isArray(part)) {
      const what = i in partitions ? describeValue(part) : 'missing (a hole in the array)'
      throw new InvalidArgumentError({
        message: `bag.fromPartitions: partition ${i} is ${what}; each partition must be an array of items or a Delayed array.`,
      })
    }
    // A copy, as bag.from makes: the caller's array changing later does not change the bag.
    const items = Array.from(part as unknown[])
    const lazy = findLazy(items)
    if (lazy !== undefined && !isDelayed(lazy)) {
      throw futureItems('bag.fromPartitions', `partition ${i} holds`, 'bag.fromPartitions([items])')
    }
    // Lazy items are resolved by a task that gathers them; plain ones are data.
    recordItemFunctions(items)
    if (lazy !== undefined) return gather(items) as unknown as Delayed<T[]>
    return makeData(items as T[], PARTITION_NAME, undefined, KeyKind.Unique)
  })
  return new Bag(parts)
}

/**
 * Futures among a bag's items, refused as among a delayed call's arguments: a graph
 * cannot wait for work running outside it, and its tasks would be given the future.
 */
function futureItems(caller: string, where: string, call: string): InvalidArgumentError {
  return new InvalidArgumentError({
    message:
      `${caller}: ${where} a Future (from submit), which a bag cannot wait for: its tasks would be given the future, not its result. ` +
      `Await the futures first and pass their results: const items = await Promise.all(futures), then ${call}.`,
  })
}

function checkFromOptions(options: FromOptions): FromOptions {
  checkOptionNames('bag.from', options, FROM_OPTION_NAMES)
  const { partitions, partitionSize } = options
  for (const [name, value] of [
    ['partitions', partitions],
    ['partitionSize', partitionSize],
  ] as const) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new InvalidOptionError({
        message: `bag.from: option "${name}" must be a whole number of at least 1, got ${describeValue(value)}.`,
      })
    }
  }
  if (partitions !== undefined && partitionSize !== undefined) {
    throw new InvalidOptionError({
      message:
        'bag.from: options "partitions" and "partitionSize" both say how to cut the items; give one of them.',
    })
  }
  return options
}

/**
 * Makes bags: lazy, partitioned collections whose operations become tasks.
 * @example
 * import { bag } from 'taskgraph'
 * await bag.from([1, 2, 3, 4], { partitions: 2 }).map((x) => x * x).sum().compute() // 30
 */
export const bag = Object.freeze({ from, fromPartitions })
