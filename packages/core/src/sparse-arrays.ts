/** Arrays shorter than this are walked index by index, whatever they hold. */
const SPARSE_FROM = 2 ** 20

/** Indices looked at, evenly spread, to tell an array mostly of holes. */
const PROBES = 16

/**
 * The indices of the elements of `array`, ascending, when it is mostly holes, or
 * `undefined` when it is best walked index by index. An array far longer than what it
 * holds (`items[1e9] = x`, an array indexed by ids) is stored sparse: counting up to its
 * length looked at a billion holes (minutes of every walk over a task's data, or a
 * fatal out-of-memory where each was kept), while its own keys list only what it holds,
 * as structured clone copies it. A long array with elements at most of the probed
 * places is walked by index: listing its keys would make a string per element.
 */
export function sparseIndices(array: readonly unknown[]): number[] | undefined {
  const length = array.length
  if (length < SPARSE_FROM) return undefined
  let held = 0
  for (let probe = 0; probe < PROBES; probe++) {
    if (Math.floor(((length - 1) * probe) / (PROBES - 1)) in array) held++
  }
  if (held * 2 > PROBES) return undefined
  const indices: number[] = []
  // Own keys list an array's indices first, ascending; its named properties follow.
  for (const key of Object.keys(array)) {
    const index = Number(key)
    if (!Number.isInteger(index) || index >= length || String(index) !== key) break
    indices.push(index)
  }
  return indices
}
