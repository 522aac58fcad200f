import type { AnyFunction } from '@taskgraph/core'
import { isPlainObject, walkData } from './data-walk.js'
import { refName, type FunctionRef } from './function-ref.js'

// Functions passed as task arguments (`bag.map(fn)`, `parallelMap(fn, items)`): a
// function cannot be copied to a worker, but one the worker can find again crosses as
// its ref and is made again there. These walk arrays, plain objects, Maps and Sets, the
// containers structured clone copies, with a stack of their own (see data-walk.ts).

/** Marks a function's ref in an argument sent to a worker. */
const FUNCTION = '__taskgraph_function__'

type Container = unknown[] | Record<string, unknown> | Map<unknown, unknown> | Set<unknown>

/** The functions in `value`, each once. */
export function findFunctions(value: unknown, found = new Set<AnyFunction>()): Set<AnyFunction> {
  walkData(value, (item) => {
    if (typeof item === 'function') found.add(item as AnyFunction)
  })
  return found
}

/**
 * `value` with each function replaced by a marker holding its ref. Containers on the
 * way to a function are copied (shared ones once, cycles kept); the caller's values are
 * left as they are.
 */
export function encodeFunctions(value: unknown, refOf: (fn: AnyFunction) => FunctionRef): unknown {
  if (typeof value === 'function') return { [FUNCTION]: refOf(value as AnyFunction) }
  // Every container, with the containers that hold it, so that a function found deep
  // inside marks each container above it as one to copy.
  const holders = new Map<object, object[]>()
  const toCopy = new Set<object>()
  const marked: object[] = []
  walkData(value, (item) => {
    if (!isContainer(item)) return 'skip'
    holders.set(item, holders.get(item) ?? [])
    for (const member of membersOf(item)) {
      if (typeof member === 'function') {
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
    typeof member === 'function'
      ? { [FUNCTION]: refOf(member as AnyFunction) }
      : (copies.get(member as object) ?? member)
  for (const [original, copy] of copies) fill(copy, original as Container, swap)
  return copies.get(value as object) ?? value
}

/** In a worker: `value` with each marker replaced by its function, loaded first. */
export async function decodeFunctions(
  value: unknown,
  load: (ref: FunctionRef) => Promise<AnyFunction | undefined>,
): Promise<unknown> {
  const refs: FunctionRef[] = []
  walkData(value, (item) => {
    if (isMarker(item)) {
      refs.push(item[FUNCTION])
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
  if (isMarker(value)) return loaded.get(value[FUNCTION])
  // Containers fresh from a message are ours: markers are replaced in place.
  const swap = (member: unknown): unknown =>
    isMarker(member) ? loaded.get(member[FUNCTION]) : member
  walkData(value, (item) => {
    if (isMarker(item)) return 'skip'
    if (!isContainer(item)) return 'skip'
    fill(item, item, swap)
    return undefined
  })
  return value
}

function isContainer(value: unknown): value is Container {
  if (typeof value !== 'object' || value === null) return false
  return (
    Array.isArray(value) || value instanceof Map || value instanceof Set || isPlainObject(value)
  )
}

function isMarker(value: unknown): value is { [FUNCTION]: FunctionRef } {
  return typeof value === 'object' && value !== null && FUNCTION in value && isPlainObject(value)
}

function membersOf(container: Container): unknown[] {
  if (Array.isArray(container)) return container
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
    for (let i = 0; i < source.length; i++) out[i] = swap(source[i])
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
