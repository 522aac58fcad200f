import { InvalidArgumentError } from '@taskgraph/core'
import { holdsFuture } from '@taskgraph/core/internal'

/**
 * Refuses a future (from `submit`) in what a pattern's call was given (`where`: `the
 * items hold`), as a delayed call refuses one among its arguments: a graph cannot wait
 * for work that runs outside it, and the function would be given the future, not its
 * result. Checked before the call makes its tasks, so that the error names the call the
 * user made rather than a task it makes (named after the function), and advises what
 * fits that call rather than `submit`.
 */
export function refuseFutures(caller: string, where: string, value: unknown): void {
  if (!holdsFuture(value)) return
  throw new InvalidArgumentError({
    message:
      `${caller}: ${where} a Future (from submit), which this call cannot wait for: the function would be given the future, not its result. ` +
      'Await the futures first and pass their results, e.g. await Promise.all(futures).',
  })
}
