import type { AnyFunction } from '@taskgraph/core'
import type { FunctionRef } from './function-ref.js'

// Functions passed as task arguments (`bag.map(fn)`, `parallelMap(fn, items)`): a
// function cannot be copied to a worker, but one the worker can find again crosses as
// its ref and is made again there. These walk arrays, plain objects, Maps and Sets, the
// containers structured clone copies.

/** Marks a function's ref in an argument sent to a worker. */
const FUNCTION = '__taskgraph_function__'

/** The functions in `value`, each once. */
export function findFunctions(value: unknown, found = new Set<AnyFunction>()): Set<AnyFunction> {
  walk(value, new Set(), (fn) => found.add(fn))
  return found
}

/**
 * `value` with each function replaced by a marker holding its ref. Containers on the
 * way to a function are copied; the caller's values are left as they are.
 */
export function encodeFunctions(value: unknown, refOf: (fn: AnyFunction) => FunctionRef): unknown {
  return encode(value, refOf, new Map())
}

/** In a worker: `value` with each marker replaced by its function, loaded first. */
export async function decodeFunctions(
  value: unknown,
  load: (ref: FunctionRef) => Promise<AnyFunction | undefined>,
): Promise<unknown> {
  const refs: FunctionRef[] = []
  walk(value, new Set(), undefined, (ref) => refs.push(ref))
  if (refs.length === 0) return value
  const loaded = new Map<FunctionRef, AnyFunction>()
  for (const ref of refs) {
    const fn = await load(ref)
    if (fn === undefined) throw new Error(`the worker could not find function ${refName(ref)}`)
    loaded.set(ref, fn)
  }
  return decode(value, loaded)
}

function refName(ref: FunctionRef): string {
  return ref.kind === 'origin' ? ref.origin.name || '(anonymous)' : ref.name
}

function isPlain(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function isMarker(value: object): value is { [FUNCTION]: FunctionRef } {
  return FUNCTION in value && isPlain(value)
}

function walk(
  value: unknown,
  seen: Set<object>,
  onFunction?: (fn: AnyFunction) => void,
  onMarker?: (ref: FunctionRef) => void,
): void {
  if (typeof value === 'function') {
    onFunction?.(value as AnyFunction)
    return
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return
  seen.add(value)
  if (Array.isArray(value)) {
    for (const item of value) walk(item, seen, onFunction, onMarker)
  } else if (value instanceof Map) {
    for (const [key, item] of value as Map<unknown, unknown>) {
      walk(key, seen, onFunction, onMarker)
      walk(item, seen, onFunction, onMarker)
    }
  } else if (value instanceof Set) {
    for (const item of value as Set<unknown>) walk(item, seen, onFunction, onMarker)
  } else if (isPlain(value)) {
    if (onMarker !== undefined && isMarker(value)) {
      onMarker(value[FUNCTION])
      return
    }
    for (const item of Object.values(value)) walk(item, seen, onFunction, onMarker)
  }
}

function encode(
  value: unknown,
  refOf: (fn: AnyFunction) => FunctionRef,
  done: Map<object, unknown>,
): unknown {
  if (typeof value === 'function') return { [FUNCTION]: refOf(value as AnyFunction) }
  if (typeof value !== 'object' || value === null) return value
  if (done.has(value)) return done.get(value)
  // Until its content is known, a container met again (a cycle) stands for itself.
  done.set(value, value)
  let changed = false
  const item = (original: unknown): unknown => {
    const encoded = encode(original, refOf, done)
    if (encoded !== original) changed = true
    return encoded
  }
  let result: unknown = value
  if (Array.isArray(value)) {
    const items = value.map(item)
    if (changed) result = items
  } else if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)].map(
      ([key, entry]) => [item(key), item(entry)] as const,
    )
    if (changed) result = new Map(entries)
  } else if (value instanceof Set) {
    const items = [...(value as Set<unknown>)].map(item)
    if (changed) result = new Set(items)
  } else if (isPlain(value)) {
    const record = value as Record<string, unknown>
    const entries = Object.keys(record).map((key) => [key, item(record[key])] as const)
    if (changed) result = Object.fromEntries(entries)
  }
  done.set(value, result)
  return result
}

function decode(
  value: unknown,
  loaded: Map<FunctionRef, AnyFunction>,
  seen = new Set<object>(),
): unknown {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value
  seen.add(value)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], loaded, seen)
    return value
  }
  if (value instanceof Map) {
    const entries = [...(value as Map<unknown, unknown>)]
    value.clear()
    for (const [key, item] of entries)
      value.set(decode(key, loaded, seen), decode(item, loaded, seen))
    return value
  }
  if (value instanceof Set) {
    const items = [...(value as Set<unknown>)]
    value.clear()
    for (const item of items) value.add(decode(item, loaded, seen))
    return value
  }
  if (!isPlain(value)) return value
  if (isMarker(value)) return loaded.get(value[FUNCTION])!
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) record[key] = decode(record[key], loaded, seen)
  return value
}
