/**
 * The brand every lazy value carries, as Dask recognises a collection by its
 * `__dask_graph__()` method rather than by its class. `Symbol.for` gives the same key to
 * every copy of taskgraph loaded in a process (two versions installed side by side, a
 * bundled copy), so a value made by one copy is recognised, and collected into a graph,
 * by another. Nothing is imported here: any module can recognise a lazy value without
 * importing, and so depending on, the class that makes them.
 */
export const LAZY: unique symbol = Symbol.for('taskgraph.lazy')

/** What the brand promises: a value standing for the result of a task in a graph. */
export interface Branded {
  readonly [LAZY]: true
}

/**
 * Whether `value` is an object whose `brand` property is `true`. Reading it may throw: a
 * Proxy that refuses unknown keys, or a revoked one, is user data, which carries no brand.
 */
export function hasBrand(value: unknown, brand: symbol): boolean {
  if (typeof value !== 'object' || value === null) return false
  try {
    return (value as Partial<Record<symbol, unknown>>)[brand] === true
  } catch {
    return false
  }
}

/** Whether `value` carries the lazy brand, whichever copy of taskgraph made it. */
export function isLazy(value: unknown): value is Branded {
  return hasBrand(value, LAZY)
}

/**
 * The brand of a future (the scheduler's `Future`, from `submit`), recognised here
 * without importing it: a delayed call given one is refused (see lazy-args.ts).
 */
const FUTURE = Symbol.for('taskgraph.future')

/** Whether `value` is a future, whichever copy of taskgraph made it. */
export function isFutureBranded(value: unknown): boolean {
  return hasBrand(value, FUTURE)
}
