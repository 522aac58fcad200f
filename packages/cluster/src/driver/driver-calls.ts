import { deserialize } from 'node:v8'
import type { TaskCall } from '@taskgraph/scheduler/internal'
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
        return [key, deserialize(found) as unknown]
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
