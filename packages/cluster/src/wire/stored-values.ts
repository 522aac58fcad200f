import {
  flatPrimitives,
  isPrimitive,
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
 * strings, and lists of them: see `flatPrimitives`): it holds no stored result nor
 * marker, and is not walked.
 */
const flat = (value: unknown): boolean => Array.isArray(value) && flatPrimitives(value)

/**
 * Whether `value` is a shallow list of `item`s: a list of primitives, of values `item`
 * accepts (stored results, or their markers) and of lists of those, each list once (a
 * list met twice is shared, which the walks keep). A fan-in's arguments are one (a sum
 * of 10,000 results: `[[r0, r1, …]]`): the functions below take it in plain loops, where
 * a walk would pay for its stack, its set and a copy of each container.
 */
function shallow(value: unknown, item: (member: unknown) => boolean): value is unknown[] {
  if (!Array.isArray(value)) return false
  let lists: unknown[][] | undefined
  for (const member of value as unknown[]) {
    if (isPrimitive(member) || item(member)) continue
    if (!Array.isArray(member) || member === value) return false
    for (const inner of member as unknown[]) if (!isPrimitive(inner) && !item(inner)) return false
    ;(lists ??= []).push(member)
  }
  return lists === undefined || lists.length === 1 || new Set(lists).size === lists.length
}

/** Calls `visit` with each value `item` accepts in shallow list `list` (see `shallow`). */
function eachShallow(
  list: unknown[],
  item: (member: unknown) => boolean,
  visit: (found: unknown) => void,
): void {
  for (const member of list) {
    if (item(member)) visit(member)
    else if (Array.isArray(member)) for (const inner of member) if (item(inner)) visit(inner)
  }
}

/** Shallow list `list` with each value `item` accepts replaced (lists copied, or in place). */
function replaceShallow(
  list: unknown[],
  item: (member: unknown) => boolean,
  replace: (found: unknown) => unknown,
  inPlace: boolean,
): unknown[] {
  const swap = (members: unknown[]): unknown[] => {
    const out = inPlace ? members : members.slice()
    for (let i = 0; i < out.length; i++) if (item(out[i])) out[i] = replace(out[i])
    return out
  }
  const out = swap(list)
  for (let i = 0; i < out.length; i++) if (Array.isArray(out[i])) out[i] = swap(out[i] as unknown[])
  return out
}

/**
 * Whether `args` is a shallow list of primitives and markers (see `shallow`): a copy
 * carries it as it is, so it needs no check before it is sent.
 */
export function sendableAsIs(args: readonly unknown[]): boolean {
  return shallow(args, isPlainMarker)
}

/** A marker as `markStored` makes it (a class instance that looks like one is not). */
const isPlainMarker = (value: unknown): boolean =>
  isMarker(value) && Object.getPrototypeOf(value) === Object.prototype

/** The stored results in `value`. */
export function storedIn(value: unknown): StoredResult[] {
  const found: StoredResult[] = []
  if (flat(value)) return found
  if (shallow(value, isStored)) {
    eachShallow(value, isStored, (stored) => found.push(stored as StoredResult))
    return found
  }
  walkData(value, (item) => {
    if (isStored(item)) found.push(item)
  })
  return found
}

/** `value` with each `StoredResult` replaced by its marker (containers on the way copied). */
export function markStored(value: unknown): unknown {
  if (flat(value)) return value
  const mark = (stored: unknown): Marker => ({ [STORED]: (stored as StoredResult).key })
  if (shallow(value, isStored)) return replaceShallow(value, isStored, mark, false)
  return replaceMembers(value, isStored, mark)
}

/** `value` with each `StoredResult` replaced by its key's value (containers on the way copied). */
export function resolveStored(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (flat(value)) return value
  const resolve = (stored: unknown): unknown => values.get((stored as StoredResult).key)
  if (shallow(value, isStored)) return replaceShallow(value, isStored, resolve, false)
  return replaceMembers(value, isStored, resolve)
}

/** Adds the keys of the markers in `value` to `keys`. */
export function markedKeys(value: unknown, keys: Set<string>): void {
  if (flat(value)) return
  if (shallow(value, isMarker)) {
    eachShallow(value, isMarker, (marker) => keys.add((marker as Marker)[STORED]))
    return
  }
  walkData(value, (item) => {
    if (!isMarker(item)) return undefined
    keys.add(item[STORED])
    return 'skip'
  })
}

/** `value` with each marker replaced by its key's value, in place (it is freshly decoded). */
export function fillStored(value: unknown, values: ReadonlyMap<string, unknown>): unknown {
  if (flat(value)) return value
  const fill = (marker: unknown): unknown => values.get((marker as Marker)[STORED])
  if (shallow(value, isMarker)) return replaceShallow(value, isMarker, fill, true)
  return replaceMembersInPlace(value, isMarker, fill)
}
