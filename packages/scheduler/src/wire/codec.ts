import { Deserializer, Serializer } from 'node:v8'
import { BINARY_VIEWS, COMMON_BINARY_VIEWS } from '@taskgraph/core/internal'
import { sentRanges } from './buffers.js'

/**
 * A value as bytes for another process: V8's serialization (what structured clone
 * uses: BigInt, Map, Set, Date, typed arrays and cycles survive), with the contents of
 * every `ArrayBuffer` left out of `payload` and carried beside it in `buffers`. Sent
 * as they are, the buffers are never copied into a message: the receiver reads each
 * straight into a buffer of its own, so binary data is copied once on its way.
 */
export interface Encoded {
  readonly payload: Uint8Array
  readonly buffers: readonly ArrayBuffer[]
}

/**
 * Serializes `value`; throws what V8 throws for what it cannot copy (see clone-check.ts).
 * Buffers go whole, but for those only Node `Buffer`s reach: their bytes (`sentRanges`).
 */
export function encode(value: unknown): Encoded {
  const ids = new Map<ArrayBuffer, number>()
  const buffers: ArrayBuffer[] = []
  const starts: number[] = []
  for (const [buffer, range] of sentRanges(value)) {
    ids.set(buffer, buffers.length)
    const part = range !== undefined && (range[0] > 0 || range[1] < buffer.byteLength)
    buffers.push(part ? buffer.slice(range[0], range[1]) : buffer)
    starts.push(part ? range[0] : 0)
  }
  const serializer = new ViewSerializer(ids, starts)
  serializer.writeHeader()
  for (const [buffer, id] of ids) serializer.transferArrayBuffer(id, buffer)
  serializer.writeValue(value)
  return { payload: serializer.releaseBuffer(), buffers }
}

/** The value `encode` made `payload` and `buffers` from. Typed arrays are views of `buffers`. */
export function decode(payload: Uint8Array, buffers: readonly ArrayBuffer[]): unknown {
  const deserializer = new ViewDeserializer(payload, buffers)
  deserializer.readHeader()
  buffers.forEach((buffer, id) => deserializer.transferArrayBuffer(id, buffer))
  return deserializer.readValue() as unknown
}

// Views of binary data (typed arrays, DataViews, Node's Buffers) are written by kind,
// buffer and range, rather than as V8 writes them: V8 knows no Buffer, and would hand
// back a Uint8Array, whose toString, slice and equals differ.

// A view's kind on the wire is its index in BINARY_VIEWS; Buffer is a kind of its own,
// after the views every Node has, and the views only newer Nodes have come after it: each
// kind means the same whichever Node wrote it (a cache or a cluster may hold several).
const BUFFER_KIND = COMMON_BINARY_VIEWS
const KIND_OF_TAG = new Map(
  BINARY_VIEWS.map((view, index) => [
    `[object ${view.name}]`,
    index < BUFFER_KIND ? index : index + 1,
  ]),
)

/** What Node calls on a serializer that treats views as host objects (not in its types). */
interface HostObjects {
  _setTreatArrayBufferViewsAsHostObjects(treat: boolean): void
}

class ViewSerializer extends Serializer {
  /** `ids`: each buffer's place among those sent; `starts`: where the bytes sent begin. */
  constructor(
    private readonly ids: ReadonlyMap<ArrayBuffer, number>,
    private readonly starts: readonly number[],
  ) {
    super()
    ;(this as unknown as HostObjects)._setTreatArrayBufferViewsAsHostObjects(true)
  }

  /** Called by V8 for each view: its kind, then its buffer's id, offset and length. */
  _writeHostObject(view: ArrayBufferView): void {
    const kind = Buffer.isBuffer(view)
      ? BUFFER_KIND
      : KIND_OF_TAG.get(Object.prototype.toString.call(view))
    const id = this.ids.get(view.buffer as ArrayBuffer)
    // Views of shared memory are not moved (clone-check.ts keeps them from other processes).
    if (kind === undefined || id === undefined) {
      throw new TypeError(`${Object.prototype.toString.call(view)} could not be cloned.`)
    }
    this.writeUint32(kind)
    this.writeUint32(id)
    this.writeDouble(view.byteOffset - this.starts[id]!)
    this.writeDouble(view.byteLength)
  }
}

class ViewDeserializer extends Deserializer {
  constructor(
    payload: Uint8Array,
    private readonly buffers: readonly ArrayBuffer[],
  ) {
    super(payload)
  }

  _readHostObject(): ArrayBufferView {
    const kind = this.readUint32()
    const buffer = this.buffers[this.readUint32()]!
    const offset = this.readDouble()
    const bytes = this.readDouble()
    if (kind === BUFFER_KIND) return Buffer.from(buffer, offset, bytes)
    const View = BINARY_VIEWS[kind < BUFFER_KIND ? kind : kind - 1]
    if (View === undefined) {
      throw new TypeError(
        `it holds a typed array of a kind this Node (${process.version}) does not have (a Float16Array, written by Node 24 or later)`,
      )
    }
    if (View === DataView) return new DataView(buffer, offset, bytes)
    const Typed = View as Uint8ArrayConstructor
    return new Typed(buffer, offset, bytes / Typed.BYTES_PER_ELEMENT)
  }
}
