import { DefaultDeserializer, DefaultSerializer } from 'node:v8'
import { errorText } from '@taskgraph/core/internal'

/*
 * A job's batch and a worker's reply carry task values, in V8's serialization, which
 * the Node at the other end may not read back: V8 12 (Node 22) and later cannot read an
 * error with a cause as V8 11 (Node 20) writes it, and data nested deep enough to be
 * written may be too deep for the reader's stack. Each message is written after an
 * envelope of numbers and strings, which every Node reads: the calls it carries and the
 * Node that wrote it. A reader that cannot read the rest still answers for those calls,
 * saying why, rather than leave them waiting for ever.
 */

/** What a message says of itself, readable when its values are not. */
export interface Envelope {
  /** The calls the message carries (a batch's) or answers (a reply's outcomes). */
  readonly ids: readonly number[]
  /** The Node that wrote it (`process.version`). */
  readonly node: string
}

/** Marks the first value of a message as its envelope. */
const ENVELOPE = 'taskgraph.envelope'

/** `value` serialized after the envelope of the calls `ids`. */
export function sealed(ids: readonly number[], value: unknown): Buffer {
  const serializer = new DefaultSerializer()
  serializer.writeHeader()
  serializer.writeValue({ [ENVELOPE]: 1, ids, node: process.version })
  serializer.writeValue(value)
  return serializer.releaseBuffer()
}

/** The envelope of a message read, whose values could not be. */
export class UnreadableMessage extends Error {
  constructor(
    readonly envelope: Envelope,
    cause: unknown,
  ) {
    super(errorText(cause), { cause })
  }

  /** Why the values could not be read, naming both Nodes when they differ. */
  why(reader: string, writer: string): string {
    const { node } = this.envelope
    // Out of stack: the data is nested too deep for the reader, whatever its Node.
    if (node === process.version || this.cause instanceof RangeError) {
      return `which ${reader} could not read back (${this.message})`
    }
    return `which ${reader} (Node ${process.version}) could not read back as ${writer} (Node ${node}) wrote it (${this.message}): V8's serialization differs between Node versions, so run the driver and every worker on the same one`
  }
}
UnreadableMessage.prototype.name = 'UnreadableMessage'

/**
 * Why a stored result could not be read by `reader`, as `UnreadableMessage#why` says of
 * a message. Stored results carry no envelope (a fan-out stores thousands): which Node
 * wrote one is not known, only that one of another version may have.
 */
export function unreadableStored(reader: string, error: unknown): string {
  const why = errorText(error).replace(/\.$/, '')
  // Out of stack: the data is nested too deep for the reader, whatever its Node.
  if (error instanceof RangeError) return `which ${reader} could not read back (${why})`
  return `which ${reader} (Node ${process.version}) could not read back (${why}): a driver or worker on another Node version may have stored it, and V8's serialization differs between Node versions, so run the driver and every worker on the same one`
}

/**
 * The value `sealed` wrote in `bytes` (or the only value of a message written without an
 * envelope). Throws `UnreadableMessage` when the envelope reads and the value does not;
 * what V8 throws when nothing reads.
 */
export function opened(bytes: Uint8Array): unknown {
  const deserializer = new DefaultDeserializer(bytes)
  deserializer.readHeader()
  const first = deserializer.readValue() as unknown
  const envelope = envelopeOf(first)
  if (envelope === undefined) return first
  try {
    return deserializer.readValue() as unknown
  } catch (error) {
    throw new UnreadableMessage(envelope, error)
  }
}

function envelopeOf(value: unknown): Envelope | undefined {
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >
  const { ids, node } = object
  if (object[ENVELOPE] !== 1 || typeof node !== 'string' || !Array.isArray(ids)) return undefined
  if (!ids.every((id) => typeof id === 'number')) return undefined
  return { ids, node }
}
