import {
  allPrimitive,
  replaceMembers,
  replaceMembersInPlace,
  walkData,
} from '@taskgraph/scheduler/wire'

/**
 * A result kept in the cluster's store. The driver holds these in place of results:
 * passed as an argument, one crosses the queue as a marker (`{ [STORED]: key }`), and
 * the worker that runs the call reads the value from the store itself. Results stand
 * wherever the graph puts them in arguments (directly, in arrays and plain objects); the
 * walks below open Maps and Sets too, keep their own stack and visit each container
 * once, so deep or cyclic data is walked like any other.
 */
export class StoredResult {
  constructor(
    /** The run whose store scope holds it. */
    readonly run: string,
    /** The key of the task that made it. */
    readonly key: string,
    /** Kept in the large store (a shared directory), not in Redis. */
    readonly large = false,
  ) {}
}

const STORED = 'taskgraph:stored'

interface Marker {
  readonly [STORED]: string
}

function isMarker(value: unknown): value is Marker {
  return (
    typeof value === 'object' && value !== null && typeof (value as Marker)[STORED] === 'string'
  )
}

const isStored = (value: unknown): value is StoredResult => value instanceof StoredResult

/**
 * Whether `value` is a list of primitives, as most calls' arguments are (numbers,
 * strings): it holds no stored result nor marker, and is not walked. A walk allocates
 * its own stack and set, which a fan-out of 10,000 calls pays 10,000 times.
 */
const flat = (value: unknown): boolean => Array.isArray(value) && allPrimitive(value)

/** The stored results in `value`. */
export function storedIn(value: unknown): StoredResult[] {
  const found: StoredResult[] = []
  if (flat(value)) return found
  walkData(value, (item) => {
    if (isStored(item)) found.push(item)
  })
  return found
}

/** `value` with each `StoredResult` replaced by its marker (containers on the way copied). */
export function markStored(value: unknown): unknown {
  if (flat(value)) return value
  return replaceMembers(value, isStored, (stored) => ({ [STORED]: (stored as StoredResult).key }))
}

/** `value` with each `StoredResult` replaced by its key's value (containers on the way copied). */
export function resolveStored(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (flat(value)) return value
  return replaceMembers(value, isStored, (stored) => values.get((stored as StoredResult).key))
}

/** Adds the keys of the markers in `value` to `keys`. */
export function markedKeys(value: unknown, keys: Set<string>): void {
  if (flat(value)) return
  walkData(value, (item) => {
    if (!isMarker(item)) return undefined
    keys.add(item[STORED])
    return 'skip'
  })
}

/** `value` with each marker replaced by its key's value, in place (it is freshly decoded). */
export function fillStored(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (flat(value)) return value
  return replaceMembersInPlace(value, isMarker, (marker) => values.get((marker as Marker)[STORED]))
}
