import { delayed, type AnyFunction } from '@taskgraph/core'
import { isThenable } from '@taskgraph/core/internal'
import { workerState } from './worker-state.js'

// The tasks of a parallel map. They are made by delayed() in this module's top-level
// code, so a pool's workers find them by importing it; the user's function and init
// reach them as arguments, by ref.

/**
 * Runs `fn` over one chunk of items, in order, as a for loop would. Synchronous items
 * run synchronously: the pool measures how long a call holds its worker until it
 * returns, and sizes its batches by that.
 */
function mapChunk(
  fn: AnyFunction,
  items: readonly unknown[],
  init: AnyFunction | undefined,
): unknown[] | Promise<unknown[]> {
  if (init === undefined) return mapFrom((item) => fn(item) as unknown, items, 0, [])
  const state = workerState(init)
  const apply = (value: unknown) => mapFrom((item) => fn(item, value) as unknown, items, 0, [])
  return isThenable(state) ? Promise.resolve(state).then(apply) : apply(state)
}

/** Maps `items` from `start` into `out`, awaiting only the results that are promises. */
function mapFrom(
  call: (item: unknown) => unknown,
  items: readonly unknown[],
  start: number,
  out: unknown[],
): unknown[] | Promise<unknown[]> {
  for (let i = start; i < items.length; i++) {
    const result = call(items[i])
    if (isThenable(result)) {
      return Promise.resolve(result).then((value) => {
        out.push(value)
        return mapFrom(call, items, i + 1, out)
      })
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

export const mapChunkTask = delayed(mapChunk)

/** On the main thread: the chunks' results are there already, and only need joining. */
export const concatTask = delayed(concatChunks, { name: 'concat', mainThread: true })
