import { walkData } from './data-walk.js'

/** Where found buffers go: a Set, or a WeakSet that only records them. */
export interface BufferSink {
  add(buffer: ArrayBuffer): unknown
}

/**
 * The `ArrayBuffer`s behind the typed arrays, `DataView`s and `ArrayBuffer`s in `value`,
 * searched through arrays, plain objects, Maps and Sets. Shared memory is left out: it is
 * shared, never moved.
 */
export function findBuffers<T extends BufferSink = Set<ArrayBuffer>>(
  value: unknown,
  found: T = new Set<ArrayBuffer>() as unknown as T,
): T {
  walkData(value, (item) => {
    if (item instanceof ArrayBuffer) found.add(item)
    else if (ArrayBuffer.isView(item) && item.buffer instanceof ArrayBuffer) found.add(item.buffer)
  })
  return found
}

/** The bytes of a buffer that are sent: `[start, end)`, or `undefined` for all of them. */
export type SentRange = readonly [start: number, end: number] | undefined

/**
 * The `ArrayBuffer`s in `value` (as `findBuffers`), each with the range of its bytes
 * another process gets. A buffer reached only through Node `Buffer`s sends the bytes
 * those Buffers cover: a small Buffer sits in an 8 KB slab of other values' bytes (Node's
 * pool), which are none of its own and must not travel with it to a child process, Redis
 * or a cache file. A buffer reached as an `ArrayBuffer`, or through any other view (whose
 * `.buffer` a task may read whole, as a structured clone keeps it), is sent whole.
 */
export function sentRanges(value: unknown): Map<ArrayBuffer, SentRange> {
  const ranges = new Map<ArrayBuffer, SentRange>()
  const whole = new Set<ArrayBuffer>()
  walkData(value, (item) => {
    if (item instanceof ArrayBuffer) {
      whole.add(item)
      ranges.set(item, undefined)
    } else if (ArrayBuffer.isView(item) && item.buffer instanceof ArrayBuffer) {
      const buffer = item.buffer
      if (whole.has(buffer)) return
      if (!Buffer.isBuffer(item)) {
        whole.add(buffer)
        ranges.set(buffer, undefined)
        return
      }
      const [start, end] = ranges.get(buffer) ?? [item.byteOffset, item.byteOffset]
      ranges.set(buffer, [
        Math.min(start, item.byteOffset),
        Math.max(end, item.byteOffset + item.byteLength),
      ])
    }
  })
  return ranges
}

/**
 * The buffers in `value` that may move to another thread instead of being copied: those
 * it holds whole, as an `ArrayBuffer` or through views of all of it. A view of part of a
 * buffer (a small Node Buffer sits in an 8 KB slab shared with others) keeps its buffer
 * where it is: moving it would empty every other value sharing it.
 */
export function movableBuffers(value: unknown): ArrayBuffer[] {
  const whole = new Set<ArrayBuffer>()
  const partial = new Set<ArrayBuffer>()
  walkData(value, (item) => {
    if (item instanceof ArrayBuffer) whole.add(item)
    else if (ArrayBuffer.isView(item) && item.buffer instanceof ArrayBuffer) {
      const covers = item.byteOffset === 0 && item.byteLength === item.buffer.byteLength
      ;(covers ? whole : partial).add(item.buffer)
    }
  })
  return [...whole].filter((buffer) => !partial.has(buffer) && buffer.byteLength > 0)
}
