/**
 * Times in a trace are whole nanoseconds while it is made (so that tracks are laid out on
 * exactly the values written) and microseconds with three decimals when written.
 */

/** Nanoseconds from `origin` to `time`, both epoch milliseconds. */
export function nanosecondsSince(origin: number, time: number): number {
  return Math.round((time - origin) * 1e6)
}

/**
 * `ns` as microseconds, written so that a reader that truncates `us * 1000` to a whole
 * nanosecond, as Perfetto does, gets `ns` back. `ns / 1000` lands one ulp short for about
 * one value in a hundred (1.001 * 1000 is 1000.9999999999999): an event would lose a
 * nanosecond and could end a nanosecond after the next one on its track starts, which
 * Perfetto takes for bad nesting. Raising such a value by an ulp or two fixes it.
 */
export function microseconds(ns: number): number {
  const us = ns / 1000
  return Math.trunc(us * 1000) >= ns ? us : us + us * Number.EPSILON
}
