import { Deserializer, Serializer } from 'node:v8'
import { findBuffers } from './buffers.js'

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

/** Serializes `value`; throws what V8 throws for what it cannot copy (see clone-check.ts). */
export function encode(value: unknown): Encoded {
  const buffers = [...findBuffers(value)]
  const serializer = new Serializer()
  serializer.writeHeader()
  buffers.forEach((buffer, id) => serializer.transferArrayBuffer(id, buffer))
  serializer.writeValue(value)
  return { payload: serializer.releaseBuffer(), buffers }
}

/** The value `encode` made `payload` and `buffers` from. Typed arrays are views of `buffers`. */
export function decode(payload: Uint8Array, buffers: readonly ArrayBuffer[]): unknown {
  const deserializer = new Deserializer(payload)
  deserializer.readHeader()
  buffers.forEach((buffer, id) => deserializer.transferArrayBuffer(id, buffer))
  return deserializer.readValue() as unknown
}
