import { describeValue, InvalidArgumentError } from '../errors.js'

/**
 * A partition as a task receives it. Partitions made by `bag.fromPartitions` from
 * `Delayed` values are known to be arrays only when they arrive, so every task checks.
 */
export function asPartition(task: string, part: unknown): readonly unknown[] {
  if (Array.isArray(part)) return part
  throw new InvalidArgumentError({
    message:
      `bag ${task}: a partition is ${describeValue(part)}, not an array. ` +
      'Each Delayed given to bag.fromPartitions must compute to an array of items: have the task that makes a partition return [value] for one item.',
  })
}
