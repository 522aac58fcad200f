// Whether an array holds more than its elements: what a token of its elements, or a copy
// of them, would leave out (tokenize.ts keys such an array by identity; lazy-args.ts
// passes it as it is, uncopied).
import { inspect } from 'node:util'

/** Elements up to which an array's own keys are listed to find others (see `hasExtras`). */
export const FEW_ELEMENTS = 32

/**
 * How `hasExtras` and `viewHasExtras` look at a long array: every property but its
 * elements, hidden ones too (what `util.inspect` lists, without listing an index). Every
 * option that changes what is printed is set, whatever `inspect.defaultOptions` say.
 */
export const PROBE = {
  showHidden: true,
  maxArrayLength: 0,
  depth: 0,
  customInspect: false,
  showProxy: false,
  getters: false,
  colors: false,
  compact: 3,
  sorted: false,
  breakLength: Infinity,
  numericSeparator: false,
} as const

/** What `PROBE` shows of a long array with nothing but its elements. */
function plainArrayText(length: number): string {
  return `[ ... ${length} more items, [length]: ${length} ]`
}

// If this version of Node shows arrays otherwise, long ones are looked at as short ones.
const PROBE_SHOWS_ARRAYS = inspect([0, 0], PROBE) === plainArrayText(2)

/**
 * Whether `array` has own properties besides its elements and `length` (`a.scale = 10`,
 * a RegExp match's `index`, a symbol key): its elements would not say all that a task
 * reads of it. Own keys come indices first, then `length`, which every array is made
 * with, then the others. Listing a long array's keys lists every index, though (a
 * million strings: +30% on tokenizing a million numbers), so a long one is shown by
 * `util.inspect`, which lists the others alone, after `[length]`, and no element.
 */
export function hasExtras(array: readonly unknown[]): boolean {
  const length = array.length
  if (length > FEW_ELEMENTS && PROBE_SHOWS_ARRAYS) {
    return inspect(array, PROBE) !== plainArrayText(length)
  }
  const keys = Reflect.ownKeys(array)
  return keys[keys.length - 1] !== 'length'
}
