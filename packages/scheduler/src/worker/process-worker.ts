// A pool's worker process, once process-entry.ts has enabled the compile cache.
import { Socket } from 'node:net'
import { watchParent } from '../process/watch-parent.js'
import { encode } from '../wire/codec.js'
import { errorText } from '@taskgraph/core/internal'
import { FrameReader, writeFrame } from '../wire/frames.js'
import type { FromWorker, ToWorker } from '../wire/messages.js'
import { serve } from './serve.js'

// A worker must not outlive the program that started it, even while a task keeps this
// thread busy for ever: a thread of its own watches for the parent's end.
watchParent()

/**
 * Bytes of messages after which the worker collects its garbage. V8 starts collecting
 * binary data only well after it has become garbage, and a worker that passes large
 * arrays in and out would hold hundreds of megabytes of it; the pool starts workers
 * with `--expose-gc` for this.
 */
const COLLECT_AFTER_BYTES = 16 * 2 ** 20
let passed = 0
const collect = (globalThis as { gc?: () => void }).gc
function count(bytes: number): void {
  passed += bytes
  if (passed < COLLECT_AFTER_BYTES || collect === undefined) return
  passed = 0
  // Once the current work has let go of what it held.
  setImmediate(collect)
}

const socket = new Socket({ fd: 3, readable: true, writable: true })
let handler: ((message: ToWorker) => void) | undefined
let exitCode = 0
const reader = new FrameReader(
  (message, bytes) => {
    count(bytes)
    handler?.(message as ToWorker)
  },
  // A message V8 cannot read back here (data nested too deeply for the stack): nothing
  // after it can be read either. The pool is told why, and the worker ends.
  (error) => {
    exitCode = 1
    writeFrame(socket, { type: 'unreadable', detail: errorText(error) } satisfies FromWorker)
    socket.end()
  },
)
socket.on('data', (chunk: Buffer) => reader.push(chunk))
// The pool closed its end: it is gone, or done with this worker.
socket.on('close', () => process.exit(exitCode))
socket.on('error', () => process.exit(exitCode))

serve({
  otherProcess: true,
  send: (message) => count(writeFrame(socket, message)),
  movable: () => [],
  copyFailure: (value) => {
    try {
      encode(value)
      return undefined
    } catch (error) {
      return errorText(error)
    }
  },
  onMessage: (next) => (handler = next),
  keepAlive: (yes) => (yes ? socket.ref() : socket.unref()),
})
