import { InvalidOptionError } from '@taskgraph/core'
import { describeValue } from '@taskgraph/core/internal'

/** The longest delay a Node timer takes: longer ones fire after 1 ms, with a warning. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Checks option `name` of `call`, the time between a timer's calls.
 * @throws {InvalidOptionError} for what is not a number of milliseconds from 1 to
 * 2147483647 (a longer interval would make Node call the timer every millisecond)
 */
export function checkInterval(call: string, name: string, value: unknown): void {
  if (typeof value === 'number' && value >= 1 && value <= MAX_TIMER_MS) return
  throw new InvalidOptionError({
    message: `${call}: option "${name}" must be a number of milliseconds from 1 to ${MAX_TIMER_MS}, got ${describeValue(value)}.`,
  })
}
