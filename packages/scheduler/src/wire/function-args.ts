import type { AnyFunction } from '@taskgraph/core'
import { isPlainObject } from '@taskgraph/core/internal'
import { walkData } from './data-walk.js'
import { replaceMembers, replaceMembersInPlace } from './replace-members.js'
import { refName, type FunctionRef } from './function-ref.js'

// Functions passed as task arguments (`bag.map(fn)`, `parallelMap(fn, items)`): a
// function cannot be copied to a worker, but one the worker can find again crosses as
// its ref and is made again there. These walk arrays, plain objects, Maps and Sets, the
// containers structured clone copies, with a stack of their own (see data-walk.ts).

/** The functions in `value`, each once. */
export function findFunctions(value: unknown, found = new Set<AnyFunction>()): Set<AnyFunction> {
  walkData(value, (item) => {
    if (typeof item === 'function') found.add(item as AnyFunction)
  })
  return found
}

/**
 * `value` with each function replaced by a marker holding its ref, `{ [mark]: ref }` (see
 * marks.ts: `Marks.fn`). Containers on the way to a function are copied (shared ones
 * once, cycles kept); the caller's values are left as they are.
 */
export function encodeFunctions(
  value: unknown,
  refOf: (fn: AnyFunction) => FunctionRef,
  mark: string,
): unknown {
  return replaceMembers(
    value,
    (item) => typeof item === 'function',
    (fn) => ({ [mark]: refOf(fn as AnyFunction) }),
  )
}

/** In a worker: `value` with each marker of `mark` replaced by its function, loaded first. */
export async function decodeFunctions(
  value: unknown,
  load: (ref: FunctionRef) => Promise<AnyFunction | undefined>,
  mark: string,
): Promise<unknown> {
  const isMarker = (item: unknown): item is Record<string, FunctionRef> =>
    typeof item === 'object' && item !== null && mark in item && isPlainObject(item)
  const refs: FunctionRef[] = []
  walkData(value, (item) => {
    if (isMarker(item)) {
      refs.push(item[mark]!)
      return 'skip'
    }
    return undefined
  })
  if (refs.length === 0) return value
  const loaded = new Map<FunctionRef, AnyFunction>()
  for (const ref of refs) {
    const fn = await load(ref)
    if (fn === undefined) throw new Error(`the worker could not find function ${refName(ref)}`)
    loaded.set(ref, fn)
  }
  // Containers fresh from a message are ours: markers are replaced in place.
  return replaceMembersInPlace(value, isMarker, (marker) =>
    loaded.get((marker as Record<string, FunctionRef>)[mark]!),
  )
}
