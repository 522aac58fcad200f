// The bag operations on a plain array, written directly: what a bag's result must equal,
// however it is partitioned and wherever its tasks run.

/** Keys in the order they first appear, as `Map` keeps them. */
export function groupBy<T, K>(items: readonly T[], key: (item: T) => K): [K, T[]][] {
  const groups = new Map<K, T[]>()
  for (const item of items) {
    const k = key(item)
    groups.set(k, [...(groups.get(k) ?? []), item])
  }
  return [...groups]
}

export function frequencies<T>(items: readonly T[]): [T, number][] {
  return groupBy(items, (item) => item).map(([item, group]) => [item, group.length])
}

export function distinct<T>(items: readonly T[], key: (item: T) => unknown = (item) => item): T[] {
  return groupBy(items, key).map(([, group]) => group[0]!)
}

/**
 * Dask's foldby without partitions: each key's items folded in order, from `initial`
 * or, without it, from the key's first item.
 */
export function foldBy<T, K, A>(
  items: readonly T[],
  key: (item: T) => K,
  binop: (acc: A, item: T) => A,
  ...initial: [A] | []
): [K, A][] {
  return groupBy(items, key).map(([k, group]) => [
    k,
    initial.length === 1
      ? group.reduce(binop, initial[0])
      : (group as unknown as A[]).reduce(binop as unknown as (a: A, b: A) => A),
  ])
}

/** The smallest item by `<`, the first of equals: what `Bag#min` promises (`Math.min` puts -0 below 0). */
export function min<T>(items: readonly T[]): T {
  return items.reduce((a, b) => (b < a ? b : a))
}

/** The largest item by `>`, the first of equals. */
export function max<T>(items: readonly T[]): T {
  return items.reduce((a, b) => (b > a ? b : a))
}

/** The `k` largest by key, largest first, earlier items first among equals. */
export function topk<T>(items: readonly T[], k: number, key: (item: T) => number = Number): T[] {
  return items
    .map((item, index) => ({ item, index, key: key(item) }))
    .sort((a, b) => b.key - a.key || a.index - b.index)
    .slice(0, k)
    .map(({ item }) => item)
}

export function sum(items: readonly number[]): number {
  return items.reduce((a, b) => a + b, 0)
}
