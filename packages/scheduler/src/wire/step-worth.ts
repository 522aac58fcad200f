import { types } from 'node:util'

/*
 * A fused chain's step whose result a run's cache may store comes back from its worker
 * to be weighed. One that took far less time to make than it would take to read back
 * (a cheap step returning hundreds of megabytes) would be copied only to be dropped:
 * its worker judges that first, from a lower bound of its size, and sends word instead.
 */

/**
 * How a worker judges whether a step's result is worth bringing back for the cache: the
 * cache would keep it only if it takes at most `(costMs + ms) × bytesPerMs` bytes, `ms`
 * being how long the chain has run up to the step's end (at least what making it again
 * costs of the chain's own steps).
 */
export interface StepWorth {
  /**
   * What the step's inputs from outside the chain that are not kept cost to make again,
   * less what reading a result back costs at least (ms; may be negative).
   */
  readonly costMs: number
  /** How many bytes reading back takes a millisecond. */
  readonly bytesPerMs: number
}

/** Whether a step's result `value`, at `elapsedMs` into its chain, may be worth keeping. */
export function worthBringing(
  worth: StepWorth | null | undefined,
  elapsedMs: number,
  value: unknown,
): boolean {
  if (worth === null || worth === undefined) return true
  const most = (worth.costMs + elapsedMs) * worth.bytesPerMs
  return leastBytes(value, most) <= most
}

/** Values a size's walk looks at, at most: what it found by then is still a lower bound. */
const MAX_VISITS = 10_000

/**
 * At least how many bytes `value` takes once serialized (V8's serializer, as structured
 * clone and the cache write it): a string a byte a character, binary data its bytes,
 * any other value a byte. Stops once past `stopAbove`, or after `MAX_VISITS` values
 * (an array's items past those are not counted: a sparse array's length says nothing).
 * Never throws: a getter or a Proxy that throws ends the walk, with what it had counted
 * (the copy that follows says what is wrong with such a value).
 */
export function leastBytes(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  // Most results are one primitive: no walk.
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return 1
  const counted = { bytes: 0 }
  try {
    walk(value, stopAbove, counted)
  } catch {
    // What was counted is still a lower bound.
  }
  return counted.bytes
}

/** `leastBytes`'s walk over an object, adding to `counted.bytes`. */
function walk(value: object, stopAbove: number, counted: { bytes: number }): void {
  let bytes = 0
  const stack: unknown[] = [value]
  const seen = new Set<object>()
  // Values taken onto the stack so far, which bounds the walk's time and memory.
  let taken = 1
  const take = (item: unknown): boolean => {
    if (taken === MAX_VISITS) return false
    taken++
    stack.push(item)
    return true
  }
  while (stack.length > 0 && bytes <= stopAbove) {
    const next = stack.pop()
    if (typeof next === 'string') bytes += next.length
    else if (typeof next !== 'object' || next === null) bytes += 1
    else if (!seen.has(next)) {
      seen.add(next)
      if (types.isAnyArrayBuffer(next) || ArrayBuffer.isView(next)) bytes += next.byteLength
      else if (Array.isArray(next)) {
        for (const item of next as unknown[]) if (!take(item)) break
      } else if (next instanceof Map) {
        for (const [key, item] of next) if (!take(key) || !take(item)) break
      } else if (next instanceof Set) {
        for (const item of next) if (!take(item)) break
      } else {
        for (const key in next) {
          if (!take(key) || !take((next as Record<string, unknown>)[key])) break
        }
      }
    }
    counted.bytes = bytes
  }
}
