// The tasks a bag runs on one partition each (`map`, `count-part`...). Each takes the
// partition as its first argument and the partition's index as its last, so that a
// value a worker cannot be sent or send back is named by partition and item (`item 3
// of partition 2`), as the user knows the bag, not by the task's arguments.
import { delayed, type DelayedFunction, type DelayedOptions } from '../lazy/delayed-function.js'
import type { AnyFunction } from '../types.js'
import { UNSENDABLE_PLACE, type UnsendablePlace } from '../unsendable-place.js'

/** A task of one partition: `fn(partition, ...others, index)`, made by `delayed`. */
export function partitionTask<F extends AnyFunction>(
  fn: F,
  options: DelayedOptions,
): DelayedFunction<F> {
  Object.defineProperty(fn, UNSENDABLE_PLACE, { value: namePartitionValue })
  return delayed(fn, options)
}

/** An item of the partition, `args[0][3]`, or of the result, `the result[3]`, and what follows. */
const ITEM_PATHS = {
  argument: /^args\[0\]\[(\d+)\](.*)$/s,
  result: /^the result\[(\d+)\](.*)$/s,
} as const

const ADVICE = {
  argument:
    'Give the bag plain data as items (objects, arrays, Map, Set, Date, typed arrays, BigInt), or compute on the executor "async" or "inline", where items are not copied.',
  result:
    'Return plain data from the functions given to the bag\'s operations (objects, arrays, Map, Set, Date, typed arrays, BigInt), or compute on the executor "async" or "inline", where items are not copied.',
} as const

function namePartitionValue(
  direction: 'argument' | 'result',
  path: string,
  args: readonly unknown[],
): UnsendablePlace | undefined {
  const partition = args[args.length - 1]
  if (typeof partition !== 'number') return undefined
  const item = ITEM_PATHS[direction].exec(path)
  const advice = ADVICE[direction]
  // Anything else (another argument, a group of a partition's result): the task's own
  // path, with the partition it ran on.
  if (item === null) return { path: `${path} of partition ${partition}`, partition, advice }
  const index = Number(item[1])
  const at = item[2] === '' ? '' : ` (at ${item[2]})`
  return {
    path:
      direction === 'argument'
        ? `item ${index} of partition ${partition}${at}`
        : `item ${index} of partition ${partition}'s result${at}`,
    partition,
    index,
    advice,
  }
}
