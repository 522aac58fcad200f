import { isLazy } from './brand.js'
import type { Delayed } from './delayed.js'

/**
 * Whether `value` is a `Delayed` (a `Bag` is one too), made by this copy of taskgraph or
 * by another one loaded in the same process. Use it rather than `instanceof`, which
 * knows the class of one copy only.
 */
export function isDelayed(value: unknown): value is Delayed {
  return isLazy(value)
}
