/**
 * The `ArrayBuffer`s behind the typed arrays, `DataView`s and `ArrayBuffer`s in `value`,
 * searched through arrays, plain objects, Maps and Sets. Shared memory is left out: it is
 * shared, never moved.
 */
export function findBuffers<T extends BufferSink = Set<ArrayBuffer>>(
  value: unknown,
  found: T = new Set<ArrayBuffer>() as unknown as T,
): T {
  walk(value, found, new Set())
  return found
}

/** Where found buffers go: a Set, or a WeakSet that only records them. */
export interface BufferSink {
  add(buffer: ArrayBuffer): unknown
}

function walk(value: unknown, found: BufferSink, seen: Set<object>): void {
  if (typeof value !== 'object' || value === null || seen.has(value)) return
  seen.add(value)
  if (value instanceof ArrayBuffer) {
    found.add(value)
    return
  }
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) found.add(value.buffer)
    return
  }
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object') walk(item, found, seen)
    return
  }
  if (value instanceof Map) {
    for (const [key, item] of value as Map<unknown, unknown>) {
      walk(key, found, seen)
      walk(item, found, seen)
    }
    return
  }
  if (value instanceof Set) {
    for (const item of value as Set<unknown>) walk(item, found, seen)
    return
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    for (const item of Object.values(value)) walk(item, found, seen)
  }
}

/**
 * Gives every typed array or DataView in `value` a buffer of its own. Messages between
 * processes arrive as one buffer, and the typed arrays in them are views into it: their
 * values are right, but `.buffer` would hold the whole message. Containers in `value`
 * (fresh from a message, so ours to change) are updated in place.
 */
export function ownBuffers(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value
  if (ArrayBuffer.isView(value)) {
    const { buffer, byteOffset, byteLength } = value
    if (byteOffset === 0 && buffer.byteLength === byteLength) return value
    const copy = buffer.slice(byteOffset, byteOffset + byteLength)
    if (value instanceof DataView) return new DataView(copy)
    const View = value.constructor as new (buffer: ArrayBufferLike) => ArrayBufferView
    return new View(copy)
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = ownBuffers(value[i])
  } else if (value instanceof Map) {
    for (const [key, item] of value as Map<unknown, unknown>) value.set(key, ownBuffers(item))
  } else {
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto === Object.prototype || proto === null) {
      const record = value as Record<string, unknown>
      for (const key of Object.keys(record)) record[key] = ownBuffers(record[key])
    }
  }
  return value
}
