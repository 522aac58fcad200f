import type { Socket } from 'node:net'
import { decode, encode } from './codec.js'

// Messages between a pool and its child processes, over a socket of their own (not
// Node's IPC channel, which gathers a message's chunks and then copies them into one
// buffer before decoding it). A frame is: a 4-byte length, a JSON header listing the
// sizes of the parts, the serialized payload, then each ArrayBuffer's bytes as they are
// (codec.ts). The reader reads every part straight into a buffer of its own size.
//
// Each frame starts with four fixed bytes: anything else where a frame begins (a task
// that wrote to the socket's descriptor itself) is seen at once as bytes that are not a
// frame, rather than read as a length that could be gigabytes and waited for.
const MAGIC = Buffer.from('TGF1', 'latin1')

/**
 * Sends `message` on `socket`; throws, sending nothing, if it cannot be serialized.
 * Returns the bytes sent.
 */
export function writeFrame(socket: Socket, message: unknown): number {
  const { payload, buffers } = encode(message)
  const header = Buffer.from(
    JSON.stringify([payload.byteLength, ...buffers.map((b) => b.byteLength)]),
  )
  const prefix = Buffer.allocUnsafe(8 + header.byteLength)
  MAGIC.copy(prefix, 0)
  prefix.writeUInt32LE(header.byteLength, 4)
  header.copy(prefix, 8)
  socket.cork()
  socket.write(prefix)
  socket.write(payload)
  let bytes = prefix.byteLength + payload.byteLength
  for (const buffer of buffers) {
    if (buffer.byteLength > 0) socket.write(new Uint8Array(buffer))
    bytes += buffer.byteLength
  }
  socket.uncork()
  return bytes
}

/** Reads frames from a socket's chunks and hands each decoded message on. */
export class FrameReader {
  /** Bytes of the length and the header gathered so far. */
  private head: Buffer = Buffer.alloc(0)
  private headerLength = -1
  /** The payload, then one target per ArrayBuffer; filled in order. */
  private parts: Uint8Array[] = []
  private part = 0
  private offset = 0

  /** A frame could not be read: nothing after it can be, so the reader stops. */
  private broken = false

  /**
   * `onMessage` gets each message and the bytes it took. `onUnreadable` gets the error of
   * a frame that cannot be read (bytes that are not a frame, data V8 cannot read back);
   * without it, `push` throws that error.
   */
  constructor(
    private readonly onMessage: (message: unknown, bytes: number) => void,
    private readonly onUnreadable?: (error: unknown) => void,
  ) {}

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.byteLength && !this.broken) {
      if (this.parts.length === 0) {
        at = this.readHead(chunk, at)
        continue
      }
      const target = this.parts[this.part]!
      const take = Math.min(target.byteLength - this.offset, chunk.byteLength - at)
      target.set(chunk.subarray(at, at + take), this.offset)
      at += take
      this.offset += take
      this.advance()
    }
  }

  /** Gathers the length and header; once whole, makes the buffers the parts go into. */
  private readHead(chunk: Buffer, at: number): number {
    const need = this.headerLength === -1 ? 8 : 8 + this.headerLength
    const take = Math.min(need - this.head.byteLength, chunk.byteLength - at)
    this.head = Buffer.concat([this.head, chunk.subarray(at, at + take)])
    at += take
    // Checked as soon as the first byte differs: a single stray byte is seen at once.
    if (this.headerLength === -1 && !startsAsFrame(this.head)) {
      this.unreadable(
        new Error(`bytes that are not a frame: ${JSON.stringify(this.head.toString('latin1'))}`),
      )
      return chunk.byteLength
    }
    if (this.head.byteLength < need) return at
    if (this.headerLength === -1) {
      this.headerLength = this.head.readUInt32LE(4)
      return at
    }
    const header = this.head.subarray(8).toString()
    this.head = Buffer.alloc(0)
    this.headerLength = -1
    try {
      const [payload, ...buffers] = JSON.parse(header) as number[]
      // allocUnsafeSlow: a buffer of exactly this size, not a slice of Node's shared pool.
      this.parts = [
        Buffer.allocUnsafe(payload!),
        ...buffers.map((size) => new Uint8Array(Buffer.allocUnsafeSlow(size).buffer, 0, size)),
      ]
    } catch (error) {
      this.unreadable(error)
      return chunk.byteLength
    }
    this.part = 0
    this.offset = 0
    this.advance()
    return at
  }

  /** Moves past full parts; once all are full, decodes the message. */
  private advance(): void {
    while (this.part < this.parts.length && this.offset === this.parts[this.part]!.byteLength) {
      this.part++
      this.offset = 0
    }
    if (this.part < this.parts.length) return
    const [payload, ...buffers] = this.parts
    this.parts = []
    let bytes = payload!.byteLength
    for (const part of buffers) bytes += part.byteLength
    let message: unknown
    try {
      message = decode(
        payload!,
        buffers.map((view) => view.buffer as ArrayBuffer),
      )
    } catch (error) {
      this.unreadable(error)
      return
    }
    this.onMessage(message, bytes)
  }

  private unreadable(error: unknown): void {
    if (this.onUnreadable === undefined) throw error
    this.broken = true
    this.parts = []
    this.onUnreadable(error)
  }
}

/** Whether `head`, the first bytes of a frame so far, begins as every frame does. */
function startsAsFrame(head: Buffer): boolean {
  const known = Math.min(head.byteLength, MAGIC.byteLength)
  return head.subarray(0, known).equals(MAGIC.subarray(0, known))
}
