import { InvalidOptionError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'
import type { Executor } from '@taskgraph/scheduler'
import { checkWorkers } from '@taskgraph/scheduler/internal'

/**
 * Validates where a helper's work runs and its `workers`: `option` (parallelMap's
 * `executor`, inbatchParallel's `target`) is one of `names` or an Executor instance, and
 * `workers` is only given with `'threads'` or `'processes'` (an instance has its own).
 */
export function checkPlacement<N extends string>(
  caller: string,
  option: 'executor' | 'target',
  value: unknown,
  names: readonly N[],
  workers: unknown,
): { placement: N | Executor; workers: number | undefined } {
  const isInstance = typeof value === 'object' && value !== null
  if (
    isInstance
      ? typeof (value as Partial<Executor>).run !== 'function'
      : !(names as readonly unknown[]).includes(value)
  ) {
    const choices = names.map((name) => `'${name}'`).join(', ')
    throw new InvalidOptionError({
      message: `${caller}: option "${option}" must be ${choices} or an Executor, got ${describeValue(value)}.`,
    })
  }
  if (workers === undefined) return { placement: value as N | Executor, workers }
  if (value !== 'threads' && value !== 'processes') {
    throw new InvalidOptionError({
      message: isInstance
        ? `${caller}: option "workers" applies to the 'threads' and 'processes' ${option}s; set it on your Executor instance instead.`
        : `${caller}: option "workers" applies to the 'threads' and 'processes' ${option}s, not '${value as N}'.`,
    })
  }
  return { placement: value as N, workers: checkWorkers(caller, workers) }
}
