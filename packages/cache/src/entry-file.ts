import { createHash } from 'node:crypto'
import { decode, encode } from '@taskgraph/scheduler/wire'

// One cached result as a file:
//   'TGC1' · sha-256 of the body (32 bytes) · body
// and the body:
//   header length (4 bytes LE) · header (JSON) · serialized value · its ArrayBuffers' bytes
// The value is serialized as results cross to and from workers (V8's serialization:
// BigInt, Map, Set, Date and typed arrays survive), its ArrayBuffers beside it. The
// checksum covers everything after it: a file cut short by a crash, or changed on disk,
// is found out before a byte of it is believed.

const MAGIC = Buffer.from('TGC1')
const HASH_BYTES = 32
const BODY = MAGIC.length + HASH_BYTES

/** What an entry says of itself, for `taskgraph cache ls`. */
export interface EntryInfo {
  /** The task's key in the run that stored it. */
  readonly task: string
  /** Its function's name. */
  readonly name: string
  /** When it was stored, in milliseconds since the epoch. */
  readonly storedAt: number
}

interface Header extends EntryInfo {
  /** The byte lengths of the serialized value, then of each of its ArrayBuffers. */
  readonly parts: readonly number[]
}

/**
 * The bytes of an entry holding `value`, as the chunks to write one after the other.
 * Throws what V8 throws for a value it cannot serialize.
 */
export function packEntry(value: unknown, info: EntryInfo): Buffer[] {
  const { payload, buffers } = encode(value)
  const header: Header = {
    ...info,
    parts: [payload.byteLength, ...buffers.map((buffer) => buffer.byteLength)],
  }
  const headerBytes = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(4)
  length.writeUInt32LE(headerBytes.byteLength)
  const body = [length, headerBytes, Buffer.from(payload), ...buffers.map((b) => Buffer.from(b))]
  const checksum = createHash('sha256')
  for (const part of body) checksum.update(part)
  return [MAGIC, checksum.digest(), ...body]
}

/** An entry read back, or what is wrong with it. */
export type UnpackedEntry =
  | { readonly ok: true; readonly value: unknown; readonly info: EntryInfo }
  | { readonly ok: false; readonly problem: string }

/** The value and info of the entry `bytes`, checked against its checksum. */
export function unpackEntry(bytes: Buffer): UnpackedEntry {
  if (bytes.byteLength < BODY + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { ok: false, problem: 'it is not a taskgraph cache entry (or it was cut short)' }
  }
  const checksum = createHash('sha256').update(bytes.subarray(BODY)).digest()
  if (!checksum.equals(bytes.subarray(MAGIC.length, BODY))) {
    return { ok: false, problem: 'its checksum does not match its content' }
  }
  try {
    const headerLength = bytes.readUInt32LE(BODY)
    const headerEnd = BODY + 4 + headerLength
    const header = JSON.parse(bytes.toString('utf8', BODY + 4, headerEnd)) as Header
    let at = headerEnd
    const [payloadLength, ...bufferLengths] = header.parts
    const payload = bytes.subarray(at, (at += payloadLength!))
    // Each ArrayBuffer of the value gets memory of its own, as it had when stored.
    const buffers = bufferLengths.map((length) => {
      const buffer = new ArrayBuffer(length)
      new Uint8Array(buffer).set(bytes.subarray(at, (at += length)))
      return buffer
    })
    const { task, name, storedAt } = header
    return { ok: true, value: decode(payload, buffers), info: { task, name, storedAt } }
  } catch (error) {
    return { ok: false, problem: `it cannot be read: ${(error as Error).message}` }
  }
}

/** The info of an entry from its first bytes (at least the header), if they hold it. */
export function entryInfo(start: Buffer): EntryInfo | undefined {
  if (start.byteLength < BODY + 4 || !start.subarray(0, MAGIC.length).equals(MAGIC))
    return undefined
  const headerEnd = BODY + 4 + start.readUInt32LE(BODY)
  if (start.byteLength < headerEnd) return undefined
  try {
    const { task, name, storedAt } = JSON.parse(
      start.toString('utf8', BODY + 4, headerEnd),
    ) as Header
    return { task, name, storedAt }
  } catch {
    return undefined
  }
}
