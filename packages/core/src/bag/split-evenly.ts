/**
 * `items` cut into `count` consecutive runs whose lengths differ by at most one, in order
 * (some are empty when there are fewer items than runs). Bags re-partition merged results
 * this way, and `bag.from` splits its items this way.
 */
export function splitEvenly<T>(items: readonly T[], count: number): T[][] {
  const runs: T[][] = []
  for (let i = 0; i < count; i++) {
    runs.push(
      items.slice(
        Math.floor((i * items.length) / count),
        Math.floor(((i + 1) * items.length) / count),
      ),
    )
  }
  return runs
}

/** `items` cut into runs of `size` items, the last one shorter; one empty run when there are none. */
export function splitBySize<T>(items: readonly T[], size: number): T[][] {
  if (items.length === 0) return [[]]
  const runs: T[][] = []
  for (let start = 0; start < items.length; start += size)
    runs.push(items.slice(start, start + size))
  return runs
}
