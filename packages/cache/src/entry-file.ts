import { crc32 } from 'node:zlib'
import { decode, encode } from '@taskgraph/scheduler/wire'

// One cached result, as a file of its own or in a pack:
//   'TGC3' · CRC-32 of the key, then of the body (4 bytes LE) · body
// and the body:
//   header length (4 bytes LE) · header (JSON) · serialized value · its ArrayBuffers' bytes
// The value is serialized as results cross to and from workers (V8's serialization:
// BigInt, Map, Set, Date and typed arrays survive), its ArrayBuffers beside it. The
// checksum covers everything after it, and the key the entry is stored under: an entry
// cut short by a crash, changed on disk, or read for another key (an index line naming
// another entry's place) is found out before a byte of it is believed. (A CRC finds such
// damage; keys, which must never collide, are SHA-256 hashes.)

const MAGIC = Buffer.from('TGC3')
const CHECKSUM_BYTES = 4
const BODY = MAGIC.length + CHECKSUM_BYTES

/** What an entry says of itself, for `taskgraph cache ls`. */
export interface EntryInfo {
  /** The task's key in the run that stored it. */
  readonly task: string
  /** Its function's name. */
  readonly name: string
  /** When it was stored, in milliseconds since the epoch. */
  readonly storedAt: number
  /** What its key was made of, for `taskgraph cache why`. */
  readonly recipe?: EntryRecipe
}

/** What a stored key was made of, beyond its arguments' values. */
export interface EntryRecipe {
  /** Its function's recipe (see `FunctionRecipe`), kept beside the entries. */
  readonly fn: string
  /** Its dependencies: task key and cache key of each (left out past a few dozen). */
  readonly deps?: readonly (readonly [string, string])[]
}

interface Header extends EntryInfo {
  /** The byte lengths of the serialized value, then of each of its ArrayBuffers. */
  readonly parts: readonly number[]
  /**
   * The Node that stored it (`process.version`): what one Node's V8 writes, another's
   * may not read (Node 22 and 24 cannot read an `Error` with a `cause` as Node 20
   * writes it), and the entry that cannot be read says so. Absent from older entries.
   */
  readonly node?: string
}

/** A value serialized for an entry: its size known before its bytes are put together. */
export interface EncodedEntry {
  /** The entry's size in bytes. */
  readonly byteLength: number
  /**
   * The entry's bytes, to be stored under `key`: the value's ArrayBuffers copied in
   * after the rest, checksummed with the key.
   */
  pack(key: string): Buffer
}

/**
 * `value` serialized for an entry, with `info`. Throws what V8 throws for a value it
 * cannot serialize. Its ArrayBuffers are not copied until `pack`: a run that finds the
 * result not worth keeping (a big one, quick to make again) never copies them.
 */
export function encodeEntry(value: unknown, info: EntryInfo): EncodedEntry {
  const { payload, buffers } = encode(value)
  const header: Header = {
    ...info,
    parts: [payload.byteLength, ...buffers.map((buffer) => buffer.byteLength)],
    node: process.version,
  }
  const headerText = JSON.stringify(header)
  const headerLength = Buffer.byteLength(headerText)
  let byteLength = BODY + 4 + headerLength + payload.byteLength
  for (const buffer of buffers) byteLength += buffer.byteLength
  return {
    byteLength,
    pack: (key) => {
      const bytes = Buffer.allocUnsafe(byteLength)
      MAGIC.copy(bytes, 0)
      bytes.writeUInt32LE(headerLength, BODY)
      bytes.write(headerText, BODY + 4)
      let at = BODY + 4 + headerLength
      bytes.set(payload, at)
      at += payload.byteLength
      for (const buffer of buffers) {
        bytes.set(new Uint8Array(buffer), at)
        at += buffer.byteLength
      }
      bytes.writeUInt32LE(checksum(key, bytes), MAGIC.length)
      return bytes
    },
  }
}

/**
 * The bytes of an entry holding `value`, to be stored under `key`. Throws what V8 throws
 * for a value it cannot serialize.
 */
export function packEntry(value: unknown, info: EntryInfo, key: string): Buffer {
  return encodeEntry(value, info).pack(key)
}

/** The checksum of entry `bytes` stored under `key`: of the key, then of the body. */
function checksum(key: string, bytes: Buffer): number {
  return crc32(bytes.subarray(BODY), crc32(key))
}

/** An entry read back, or what is wrong with it. */
export type UnpackedEntry =
  | { readonly ok: true; readonly value: unknown; readonly info: EntryInfo }
  | { readonly ok: false; readonly problem: string }

/** The value and info of the entry `bytes`, read for `key`, checked against its checksum. */
export function unpackEntry(bytes: Buffer, key: string): UnpackedEntry {
  if (bytes.byteLength < BODY + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { ok: false, problem: 'it is not a taskgraph cache entry (or it was cut short)' }
  }
  if (checksum(key, bytes) !== bytes.readUInt32LE(MAGIC.length)) {
    return { ok: false, problem: 'its checksum does not match its content (or its key)' }
  }
  let header: Header | undefined
  try {
    const headerLength = bytes.readUInt32LE(BODY)
    const headerEnd = BODY + 4 + headerLength
    header = JSON.parse(bytes.toString('utf8', BODY + 4, headerEnd)) as Header
    let at = headerEnd
    const [payloadLength, ...bufferLengths] = header.parts
    const payload = bytes.subarray(at, (at += payloadLength!))
    // Each ArrayBuffer of the value gets memory of its own, as it had when stored.
    const buffers = bufferLengths.map((length) => {
      const buffer = new ArrayBuffer(length)
      new Uint8Array(buffer).set(bytes.subarray(at, (at += length)))
      return buffer
    })
    return { ok: true, value: decode(payload, buffers), info: infoOf(header) }
  } catch (error) {
    // Told as one clause of a sentence: without V8's full stop.
    const why = (error as Error).message.replace(/\.$/, '')
    const writer = header?.node
    const another =
      writer !== undefined && writer !== process.version
        ? `; stored by Node ${writer}, read by Node ${process.version}, which cannot read every value that one writes`
        : ''
    return { ok: false, problem: `it cannot be read (${why}${another})` }
  }
}

/** The info of an entry from its first bytes (at least the header), if they hold it. */
export function entryInfo(start: Buffer): EntryInfo | undefined {
  if (start.byteLength < BODY + 4 || !start.subarray(0, MAGIC.length).equals(MAGIC))
    return undefined
  const headerEnd = BODY + 4 + start.readUInt32LE(BODY)
  if (start.byteLength < headerEnd) return undefined
  try {
    return infoOf(JSON.parse(start.toString('utf8', BODY + 4, headerEnd)) as Header)
  } catch {
    return undefined
  }
}

function infoOf({ task, name, storedAt, recipe }: Header): EntryInfo {
  return recipe === undefined ? { task, name, storedAt } : { task, name, storedAt, recipe }
}
