import { delayed, type AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'
import type { SerializationError, TaskError, TaskErrorOptions } from '@taskgraph/scheduler'
import { FAILURE_REPORT, NotSerializableFault } from '@taskgraph/scheduler/internal'
import { unsendableValue } from '../unsendable-value.js'
import { indexedFailure, readIndexedFailure } from '../indexed-failure.js'
import { initFailure, reportInitFailure } from './init-failure.js'
import { MapItemError } from './map-item-error.js'
import { workerState } from './worker-state.js'

// The tasks of a parallel map. They are made by delayed() in this module's top-level
// code, so a pool's workers find them by importing it; the user's function and init
// reach them as arguments, by ref.

/**
 * Runs `fn` over one chunk of items, in order, as a for loop would. Synchronous items
 * run synchronously: the pool measures how long a call holds its worker until it
 * returns, and sizes its batches by that. An item's failure is thrown as an
 * `indexedFailure` naming its index in the input (`offset`, the chunk's first), which the
 * run reports as a `MapItemError` (see `reportItemFailure`).
 */
function mapChunk(
  fn: AnyFunction,
  items: readonly unknown[],
  init: AnyFunction | undefined,
  offset: number,
): unknown[] | Promise<unknown[]> {
  const failed = (error: unknown, i: number): Error => indexedFailure(offset + i, error)
  if (init === undefined) return mapFrom((item) => fn(item) as unknown, items, 0, [], failed)
  let state: unknown
  try {
    state = workerState(init)
  } catch (error) {
    throw initFailure(error)
  }
  const apply = (value: unknown) =>
    mapFrom((item) => fn(item, value) as unknown, items, 0, [], failed)
  if (!isThenable(state)) return apply(state)
  return Promise.resolve(state).then(apply, (error: unknown) => {
    throw initFailure(error)
  })
}

/**
 * Maps `items` from `start` into `out`, awaiting only the results that are promises;
 * what `call` throws on item `i` is thrown as `failed(error, i)`.
 */
function mapFrom(
  call: (item: unknown) => unknown,
  items: readonly unknown[],
  start: number,
  out: unknown[],
  failed: (error: unknown, i: number) => unknown,
): unknown[] | Promise<unknown[]> {
  for (let i = start; i < items.length; i++) {
    let result: unknown
    try {
      result = call(items[i])
    } catch (error) {
      throw failed(error, i)
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => {
          out.push(value)
          return mapFrom(call, items, i + 1, out, failed)
        },
        (error: unknown) => {
          throw failed(error, i)
        },
      )
    }
    out.push(result)
  }
  return out
}

/** The results of the chunks, in order, as one array. */
function concatChunks(chunks: readonly unknown[][]): unknown[] {
  const out: unknown[] = []
  for (const chunk of chunks) for (const value of chunk) out.push(value)
  return out
}

/**
 * How a run reports a chunk's failure, on any executor and whichever call computes it
 * (`compute` of a `map`, `process`, `parallelMap`): a `MapItemError` naming the item, or
 * a `TaskError` naming `init` when it failed before any item; or,
 * for an item a worker could not be sent or a result it could not send back, a
 * `SerializationError` naming the item's `index`, its path naming the item too
 * (`items[5]`, `fn(items[5])`, not the chunk's `args[1][1]`, `the result[1]`), with
 * advice for maps.
 */
function reportItemFailure(
  options: TaskErrorOptions,
  args: readonly unknown[],
): TaskError | undefined {
  const { cause } = options
  if (cause instanceof NotSerializableFault) return reportUnsendable(options, cause, args[3])
  const initFailed = reportInitFailure(options, args[2])
  if (initFailed !== undefined) return initFailed
  const failure = readIndexedFailure(cause)
  return failure && new MapItemError({ ...options, ...failure })
}

/** Where a chunk's item, or its result, sits in what crosses: `args[1][i]`, `the result[i]`. */
const ITEM_PATHS = {
  argument: /^args\[1\]\[(\d+)\](.*)$/s,
  result: /^the result\[(\d+)\](.*)$/s,
} as const

function reportUnsendable(
  options: TaskErrorOptions,
  fault: NotSerializableFault,
  offset: unknown,
): SerializationError | undefined {
  const { direction } = fault
  const item = ITEM_PATHS[direction].exec(fault.path)
  if (item === null || typeof offset !== 'number') return undefined
  const index = offset + Number(item[1])
  const argument = direction === 'argument'
  return unsendableValue(options, fault, {
    path: argument
      ? `items[${index}]${item[2]}`
      : `${options.functionName}(items[${index}])${item[2]}`,
    index,
    advice: argument
      ? 'Pass plain data as items (objects, arrays, Map, Set, Date, typed arrays, BigInt), ' +
        'or map on the executor "async" or "inline", where items are not copied.'
      : 'Return plain data from the function mapped (objects, arrays, Map, Set, Date, typed arrays, BigInt), ' +
        'or map on the executor "async" or "inline", where results are not copied.',
  })
}
Object.defineProperty(mapChunk, FAILURE_REPORT, { value: reportItemFailure })

export const mapChunkTask = delayed(mapChunk)

/** On the main thread: the chunks' results are there already, and only need joining. */
export const concatTask = delayed(concatChunks, { name: 'concat', mainThread: true })
