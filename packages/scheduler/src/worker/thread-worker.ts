// A pool's worker thread, once thread-entry.ts has enabled the compile cache.
import { workerData, type MessagePort } from 'node:worker_threads'
import { movableBuffers } from '../wire/buffers.js'
import { errorText } from '@taskgraph/core/internal'
import { POOL_PORT, UNREADABLE, type ToWorker } from '../wire/messages.js'
import { serve } from './serve.js'

// The pool's channel, not `parentPort`, where a task may post what it likes.
const port = (workerData as Record<string, MessagePort>)[POOL_PORT]!

serve({
  otherProcess: false,
  send: (message, transfer) => port.postMessage(message, transfer as ArrayBuffer[]),
  // Results move to the main thread without a copy: this worker keeps no reference.
  movable: (message) => {
    const buffers = new Set<ArrayBuffer>()
    for (const outcome of message.outcomes) {
      if (outcome.ok) for (const buffer of movableBuffers(outcome.value)) buffers.add(buffer)
    }
    return [...buffers]
  },
  copyFailure: (value) => {
    try {
      structuredClone(value)
      return undefined
    } catch (error) {
      return errorText(error)
    }
  },
  onMessage: (handler) => {
    port.on('message', (message: ToWorker) => handler(message))
    // A message this thread cannot read back would be lost, and its batch waited for
    // for ever: the worker ends instead, and the pool counts it lost, with this reason.
    port.on('messageerror', (error) => {
      throw new Error(`${UNREADABLE} (${errorText(error)})`)
    })
  },
  keepAlive: (yes) => (yes ? port.ref() : port.unref()),
})
