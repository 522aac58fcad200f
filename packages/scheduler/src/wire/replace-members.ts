import { types } from 'node:util'
import { isPlainObject, sparseIndices } from '@taskgraph/core/internal'
import { walkData } from './data-walk.js'

// Replacing some values inside task data by others: functions by refs on their way to a
// worker and back (function-args.ts), a cluster's stored results by markers and back.
// Arrays, plain objects, Maps and Sets are opened, as structured clone opens them, with
// a stack of the walk's own (data-walk.ts): deep data and cycles are walked like any other.

type Container = unknown[] | Record<string, unknown> | Map<unknown, unknown> | Set<unknown>

/**
 * `value` with each value `matches` accepts replaced by `replace(value)`. Containers on
 * the way to one are copied (shared ones once, cycles kept); the caller's data is left
 * as it is, and returned itself when nothing matched.
 */
export function replaceMembers(
  value: unknown,
  matches: (item: unknown) => boolean,
  replace: (item: unknown) => unknown,
): unknown {
  if (matches(value)) return replace(value)
  // Every container, with the containers that hold it, so that a match found deep
  // inside marks each container above it as one to copy.
  const holders = new Map<object, object[]>()
  const toCopy = new Set<object>()
  const marked: object[] = []
  walkData(value, (item) => {
    if (!isContainer(item)) return 'skip'
    holders.set(item, holders.get(item) ?? [])
    for (const member of membersOf(item)) {
      if (matches(member)) {
        if (!toCopy.has(item)) marked.push(item)
        toCopy.add(item)
      } else if (isContainer(member)) {
        const above = holders.get(member)
        if (above === undefined) holders.set(member, [item])
        else above.push(item)
      }
    }
    return undefined
  })
  for (let next = marked.pop(); next !== undefined; next = marked.pop()) {
    for (const holder of holders.get(next) ?? []) {
      if (toCopy.has(holder)) continue
      toCopy.add(holder)
      marked.push(holder)
    }
  }
  if (toCopy.size === 0) return value
  // Empty copies first, so that each can refer to the others (cycles, sharing), then fill.
  const copies = new Map<object, Container>()
  for (const original of toCopy) copies.set(original, emptyLike(original as Container))
  const swap = (member: unknown): unknown =>
    matches(member) ? replace(member) : (copies.get(member as object) ?? member)
  for (const [original, copy] of copies) fill(copy, original as Container, swap)
  return copies.get(value as object) ?? value
}

/**
 * `value` with each value `matches` accepts replaced by `replace(value)`, in place: for
 * data fresh from a message, which no one else holds.
 */
export function replaceMembersInPlace(
  value: unknown,
  matches: (item: unknown) => boolean,
  replace: (item: unknown) => unknown,
): unknown {
  if (matches(value)) return replace(value)
  const swap = (member: unknown): unknown => (matches(member) ? replace(member) : member)
  walkData(value, (item) => {
    if (matches(item) || !isContainer(item)) return 'skip'
    fill(item, item, swap)
    return undefined
  })
  return value
}

function isContainer(value: unknown): value is Container {
  // A Proxy is a leaf, as in `walkData`: opening it would run its traps.
  if (typeof value !== 'object' || value === null || types.isProxy(value)) return false
  return (
    Array.isArray(value) || value instanceof Map || value instanceof Set || isPlainObject(value)
  )
}

function membersOf(container: Container): unknown[] {
  if (Array.isArray(container)) {
    // An array stored sparse (`items[1e9] = x`): its elements, not a billion holes.
    const sparse = sparseIndices(container)
    return sparse === undefined ? container : sparse.map((i) => container[i])
  }
  if (container instanceof Map) return [...container].flat()
  if (container instanceof Set) return [...container]
  return Object.values(container)
}

function emptyLike(container: Container): Container {
  if (Array.isArray(container)) return new Array<unknown>(container.length)
  if (container instanceof Map) return new Map()
  if (container instanceof Set) return new Set()
  return Object.getPrototypeOf(container) === null
    ? (Object.create(null) as Record<string, unknown>)
    : {}
}

/**
 * Fills `target` with `source`'s members passed through `swap`. `target` may be `source`
 * itself (a replacement in place).
 */
function fill(target: Container, source: Container, swap: (member: unknown) => unknown): void {
  if (Array.isArray(source)) {
    const out = target as unknown[]
    const sparse = sparseIndices(source)
    // Holes stay holes, as a copy keeps them.
    if (sparse === undefined) for (let i = 0; i < source.length; i++) out[i] = swap(source[i])
    else for (const i of sparse) out[i] = swap(source[i])
  } else if (source instanceof Map) {
    const entries = [...source]
    const out = target as Map<unknown, unknown>
    if (out === source) out.clear()
    for (const [key, item] of entries) out.set(swap(key), swap(item))
  } else if (source instanceof Set) {
    const items = [...source]
    const out = target as Set<unknown>
    if (out === source) out.clear()
    for (const item of items) out.add(swap(item))
  } else {
    const out = target as Record<string, unknown>
    for (const key of Object.keys(source)) {
      // Assignment would invoke the `__proto__` setter for a key named "__proto__".
      Object.defineProperty(out, key, {
        value: swap(source[key]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
}
