/**
 * A result kept in the cluster's store. The driver holds these in place of results:
 * passed as an argument, one crosses the queue as a marker (`{ [STORED]: key }`), and
 * the worker that runs the call reads the value from the store itself.
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

function isContainer(value: unknown): value is unknown[] | Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return true
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/**
 * `value` with each `StoredResult` in it replaced by a marker, and the keys replaced.
 * Results stand directly in arguments or inside arrays and plain objects (where the graph
 * puts them), so only those are walked; a container is copied only if it holds one.
 */
export function markStored(value: unknown, keys: Set<string>): unknown {
  if (value instanceof StoredResult) {
    keys.add(value.key)
    return { [STORED]: value.key }
  }
  if (!isContainer(value)) return value
  let copy: unknown[] | Record<string, unknown> | undefined
  for (const [name, member] of Object.entries(value)) {
    const marked = markStored(member, keys)
    if (marked !== member) {
      copy ??= Array.isArray(value) ? [...value] : { ...value }
      ;(copy as Record<string, unknown>)[name] = marked
    }
  }
  return copy ?? value
}

/** The keys of the markers in `value`. */
export function markedKeys(value: unknown, keys: Set<string>): void {
  if (isMarker(value)) keys.add(value[STORED])
  else if (isContainer(value)) for (const member of Object.values(value)) markedKeys(member, keys)
}

/** `value` with each marker replaced by its key's value; containers holding one are copied. */
export function fillStored(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (isMarker(value)) return values.get(value[STORED])
  if (!isContainer(value)) return value
  let copy: unknown[] | Record<string, unknown> | undefined
  for (const [name, member] of Object.entries(value)) {
    const filled = fillStored(member, values)
    if (filled !== member) {
      copy ??= Array.isArray(value) ? [...value] : { ...value }
      ;(copy as Record<string, unknown>)[name] = filled
    }
  }
  return copy ?? value
}
