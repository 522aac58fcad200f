import { deserialize, serialize } from 'node:v8'
import { errorText } from '@taskgraph/core/internal'
import { NotSerializableFault } from '@taskgraph/scheduler/internal'
import type { FileStore } from '../store/file-store.js'
import type { ResultStore } from '../store/result-store.js'
import { unreadableStored } from '../wire/envelope.js'
import type { StoredResult } from '../wire/stored-values.js'

// An output of a run too large for Redis, which its worker wrote to the shared directory,
// read back by the driver. One the store cannot give is the store's failure; one it gives
// that the driver cannot deserialize is the task's: its result did not reach the driver.

/** The version of V8's serialization format that this process writes and reads. */
const OWN_FORMAT = serialize(0)[1]
/** The first byte of what V8's serializer writes. */
const V8_VERSION_TAG = 0xff

/**
 * The value of the output `stored`, read from `store` (`large`: its shared directory).
 * Rejects with a `NotSerializableFault` naming the file if what was read does not
 * deserialize, and with the store's error if it could not be read.
 */
export async function readOutput(
  store: ResultStore,
  large: FileStore | undefined,
  stored: StoredResult,
): Promise<unknown> {
  const [bytes] = await store.get(stored.run, [stored.key])
  if (bytes === undefined) {
    throw new Error(
      `the result of task ${JSON.stringify(stored.key)} is gone from the cluster's store`,
    )
  }
  try {
    return deserialize(bytes)
  } catch (error) {
    const path =
      stored.large && large !== undefined
        ? `the file ${large.path(stored.run, stored.key)}`
        : 'its stored result'
    throw unreadable(path, bytes, error)
  }
}

/** Why the driver could not read `bytes` back (the file `path`, or so), and what to do. */
function unreadable(path: string, bytes: Buffer, error: unknown): NotSerializableFault {
  // Out of stack: nested deeper than this driver's stack reads.
  const deep = error instanceof RangeError
  // Written by V8, in a format other than this Node's: another Node version wrote it.
  const otherNode = bytes[0] === V8_VERSION_TAG && bytes[1] !== OWN_FORMAT
  const reason =
    deep || otherNode
      ? unreadableStored('this driver', error)
      : `which this driver could not read back (${errorText(error).replace(/\.$/, '')}): the file is damaged (cut short, or written over) or was not written by a taskgraph worker`
  const advice = deep
    ? 'Run the driver with a larger stack (node --stack-size), or return data nested less deeply.'
    : otherNode
      ? 'Run the driver on the Node version of the workers, then run again.'
      : 'Give each cluster a shared directory of its own, which nothing but its workers writes to, then run again.'
  return new NotSerializableFault('result', path, 'its result as a worker wrote it', reason, {
    failed: "return its result to the cluster's driver",
    advice,
  })
}
