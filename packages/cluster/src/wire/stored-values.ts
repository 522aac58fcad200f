import {
  flatPrimitives,
  isPrimitive,
  replaceMembers,
  replaceMembersInPlace,
  walkData,
} from '@taskgraph/scheduler/wire'

/**
 * A result kept in the cluster's store. The driver holds these in place of results:
 * passed as an argument, one crosses the queue as a marker (`{ [property]: key }`, see
 * `markerProperty`), and
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

/**
 * The property whose value names a stored result in the jobs of driver `driver`. It holds
 * the driver's id, random and known only to its jobs, so that a task's data that happens
 * to look like a marker is never taken for one.
 */
export function markerProperty(driver: string): string {
  return `taskgraph:stored:${driver}`
}

type Marker = Readonly<Record<string, string>>

/** What tells markers of `property` (see `markerProperty`) from other values. */
function markerTest(property: string): (value: unknown) => value is Marker {
  return (value): value is Marker =>
    typeof value === 'object' && value !== null && typeof (value as Marker)[property] === 'string'
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

/**
 * Shallow list `list` (see `shallow`) with each value `item` accepts replaced: in place,
 * or in copies of the lists that hold one (as `replaceMembers` copies). What replaces an
 * item is not looked into.
 */
function replaceShallow(
  list: unknown[],
  item: (member: unknown) => boolean,
  replace: (found: unknown) => unknown,
  inPlace: boolean,
): unknown[] {
  let out = list
  const set = (i: number, value: unknown): void => {
    if (out === list && !inPlace) out = list.slice()
    out[i] = value
  }
  for (let i = 0; i < list.length; i++) {
    const member = list[i]
    if (item(member)) set(i, replace(member))
    else if (Array.isArray(member)) {
      const inner = member as unknown[]
      let copy = inner
      for (let j = 0; j < inner.length; j++) {
        if (!item(inner[j])) continue
        if (copy === inner && !inPlace) copy = inner.slice()
        copy[j] = replace(inner[j])
      }
      if (copy !== inner) set(i, copy)
    }
  }
  return out
}

/**
 * Whether `args` is a shallow list of primitives and markers (see `shallow`): a copy
 * carries it as it is, so it needs no check before it is sent.
 */
export function sendableAsIs(args: readonly unknown[], property: string): boolean {
  // Most calls' arguments: checked without making the tests below, per call.
  if (flatPrimitives(args)) return true
  const isMarker = markerTest(property)
  // A marker as `markStored` makes it: a class instance that looks like one is not.
  return shallow(
    args,
    (value) => isMarker(value) && Object.getPrototypeOf(value) === Object.prototype,
  )
}

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

/**
 * `value` with each `StoredResult` replaced by its marker, of `property` (containers on
 * the way copied).
 */
export function markStored(value: unknown, property: string): unknown {
  if (flat(value)) return value
  const mark = (stored: unknown): Marker => ({ [property]: (stored as StoredResult).key })
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

/** Adds the keys of the markers of `property` in `value` to `keys`. */
export function markedKeys(value: unknown, keys: Set<string>, property: string): void {
  if (flat(value)) return
  const isMarker = markerTest(property)
  if (shallow(value, isMarker)) {
    eachShallow(value, isMarker, (marker) => keys.add((marker as Marker)[property]!))
    return
  }
  walkData(value, (item) => {
    if (!isMarker(item)) return undefined
    keys.add(item[property]!)
    return 'skip'
  })
}

/**
 * `value` with each marker of `property` replaced by its key's value, in place (it is
 * freshly decoded).
 */
export function fillStored(
  value: unknown,
  values: ReadonlyMap<string, unknown>,
  property: string,
): unknown {
  if (flat(value)) return value
  const isMarker = markerTest(property)
  const fill = (marker: unknown): unknown => values.get((marker as Marker)[property]!)
  if (shallow(value, isMarker)) return replaceShallow(value, isMarker, fill, true)
  return replaceMembersInPlace(value, isMarker, fill)
}
