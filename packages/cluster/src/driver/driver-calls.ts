import { deserialize } from 'node:v8'
import { NotSerializableFault, type TaskCall } from '@taskgraph/scheduler/internal'
import { unreadableStored } from '../wire/envelope.js'
import { resolveStored, storedIn } from '../wire/stored-values.js'

/**
 * Runs a call on the driver's thread (a task that rearranges results, `get` or `gather`,
 * a main-thread task, or a function no worker can import): the stored results among its
 * arguments are read from the store first, then its steps run in turn.
 */
export async function runOnDriver(
  call: TaskCall,
  read: (keys: string[]) => Promise<(Buffer | undefined)[]>,
): Promise<unknown> {
  const argLists = [call.args, ...(call.steps ?? []).map((step) => step.args)]
  const keys = new Set(argLists.flatMap((args) => storedIn(args).map((stored) => stored.key)))
  let values = new Map<string, unknown>()
  if (keys.size > 0) {
    const wanted = [...keys]
    const bytes = await read(wanted)
    values = new Map(
      wanted.map((key, i) => {
        const found = bytes[i]
        if (found === undefined)
          throw new Error(
            `the stored result of task ${JSON.stringify(key)} is gone from the cluster's store`,
          )
        return [key, readStored(key, found)]
      }),
    )
  }
  const [args, ...stepArgs] = argLists.map((value) => resolveStored(value, values) as unknown[])
  let result: unknown = await call.fn(...args!)
  for (const [i, step] of (call.steps ?? []).entries()) {
    const own = stepArgs[i]!
    for (const hole of step.holes) own[hole] = result
    result = (await step.fn(...own)) as unknown
  }
  return result
}

/** The first byte of what V8's serializer writes. */
const V8_VERSION_TAG = 0xff

/**
 * The stored result of input `key`, read back. One that V8 wrote and this driver cannot
 * read (a worker on another Node wrote it, or nested it deeper than this stack reads)
 * fails the task as a worker's does (`SerializationError`), worded for the driver: not a
 * failure of the task's own. Bytes V8 did not write were not stored by taskgraph as they
 * are: what V8 threw is thrown.
 */
function readStored(key: string, bytes: Buffer): unknown {
  try {
    return deserialize(bytes)
  } catch (error) {
    if (bytes[0] !== V8_VERSION_TAG) throw error
    throw new NotSerializableFault(
      'argument',
      `the stored result of its input ${JSON.stringify(key)}`,
      'data another process wrote',
      unreadableStored('this driver', error),
      {
        failed: "run on the cluster's driver",
        advice:
          error instanceof RangeError
            ? 'Run the driver with a larger stack (node --stack-size), or return data nested less deeply.'
            : 'The driver reads the inputs of the tasks it runs itself (main-thread tasks, get and gather) as the workers wrote them.',
      },
    )
  }
}
