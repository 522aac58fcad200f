import { Delayed } from '../lazy/delayed.js'
import { KeyKind, taskNode, type TaskSpec } from '../lazy/lazy-node.js'
import { makeData } from '../lazy/make-task.js'
import { computeTargets, type ComputeOptions } from '../scheduler-registry.js'
import { itemFunction, keySelector, propertyName, wholeNumber } from './check-arguments.js'
import {
  distinctMerge,
  distinctPart,
  foldByMerge,
  foldByPart,
  frequenciesMerge,
  frequenciesPart,
  groupByMerge,
  groupByPart,
  topkMerge,
  topkPart,
} from './group-tasks.js'
import type { Comparable, ItemProperty, KeySelector } from './key-selector.js'
import {
  concat,
  filterPart,
  flatMapPart,
  flattenPart,
  mapPart,
  pluckPart,
  splitPart,
} from './partition-tasks.js'
import {
  aggregateParts,
  countAll,
  countPart,
  foldAll,
  foldPart,
  maxAll,
  maxPart,
  meanAll,
  meanPart,
  minAll,
  minPart,
  reducePart,
  sumAll,
  sumPart,
} from './reduction-tasks.js'

/** The key a selector gives: a function's result, or the named property's type. */
export type SelectedKey<T, S> = S extends (item: T) => infer K
  ? K
  : S extends keyof T
    ? T[S]
    : never

/** The bag's own node: joins the partitions, where they are (it only rearranges them). */
const CONCAT_SPEC: TaskSpec = {
  name: 'concat',
  pure: false,
  mainThread: true,
  rearranges: true,
}

/**
 * A lazy collection of items cut into partitions (Dask's `bag`). Each operation adds one
 * task per partition (`map`, `filter`, ...) or reduces the partitions to one value
 * (`count`, `fold`, ...); nothing runs until `compute()`. A bag is also a
 * `Delayed<T[]>` of all its items, in order: compute it, or pass it to a delayed
 * function, like any other lazy value.
 *
 * @example
 * const words = bag.from(lines).flatMap((line) => line.split(' '))
 * await words.frequencies().topk(3, ([, n]) => n).compute() // [['the', 12], ...]
 */
export class Bag<T> extends Delayed<T[]> {
  /** The number of partitions: how many tasks each operation adds. */
  readonly partitions: number
  /** @internal One lazy array of items per partition. */
  readonly _parts: readonly Delayed<T[]>[]

  /** @internal Use `bag.from` or `bag.fromPartitions` to make one. */
  constructor(parts: readonly Delayed<T[]>[]) {
    // The bag's own node joins its partitions: that is the value it computes to.
    super(taskNode(concat, [parts.slice()], CONCAT_SPEC))
    this._parts = parts
    this.partitions = parts.length
  }

  /**
   * A bag of `fn(item)` for each item. An async `fn` is awaited: its calls within a
   * partition run concurrently.
   * @example bag.from([1, 2, 3]).map((x) => x * 10) // 10, 20, 30
   */
  map<U>(fn: (item: T) => U): Bag<Awaited<U>> {
    const f = itemFunction('Bag#map', 'the mapped function', fn)
    return this.each((part, i) => mapPart(part, f, i))
  }

  /**
   * The items for which `predicate` returns a truthy value, in order.
   * @example bag.from([1, 2, 3, 4]).filter((x) => x % 2 === 0) // 2, 4
   */
  filter<S extends T>(predicate: (item: T) => item is S): Bag<S>
  filter(predicate: (item: T) => unknown): Bag<T>
  filter(predicate: (item: T) => unknown): Bag<T> {
    const f = itemFunction('Bag#filter', 'the predicate', predicate)
    return this.each((part, i) => filterPart(part, f, i))
  }

  /**
   * The items of each iterable `fn` returns, one after another (a `map`, then `flatten`).
   * @example bag.from(['a b', 'c']).flatMap((line) => line.split(' ')) // 'a', 'b', 'c'
   */
  flatMap<U>(fn: (item: T) => Iterable<U>): Bag<U> {
    const f = itemFunction('Bag#flatMap', 'the mapped function', fn)
    return this.each((part, i) => flatMapPart(part, f, i))
  }

  /**
   * The items of each item, which must be iterable (an array, a `Set`, a string...).
   * @example bag.from([[1, 2], [3]]).flatten() // 1, 2, 3
   */
  flatten<U>(this: Bag<Iterable<U>>): Bag<U> {
    return this.each((part, i) => flattenPart(part, i))
  }

  /**
   * Property `key` of each item (an index, for arrays: a negative one counts from the
   * end, as `Array.prototype.at`).
   * @example bag.from([{ id: 1 }, { id: 2 }]).pluck('id') // 1, 2
   * @example bag.from([['a', 1], ['b', 2]]).pluck(-1) // 1, 2
   */
  pluck<P extends ItemProperty<T>>(key: P): Bag<T[P]> {
    const name = propertyName('Bag#pluck', key)
    return this.each((part, i) => pluckPart(part, name, i))
  }

  /**
   * Reduces each partition with `perPartition` (empty partitions too), then the
   * partials, in partition order, with `aggregate` (Dask's `reduction`).
   * @example words.reduction((items) => items.length, (counts) => Math.max(...counts))
   */
  reduction<R, S>(
    perPartition: (items: T[]) => R,
    aggregate: (partials: Awaited<R>[]) => S,
  ): Delayed<Awaited<S>> {
    const part = itemFunction('Bag#reduction', 'perPartition', perPartition)
    const all = itemFunction('Bag#reduction', 'aggregate', aggregate)
    return aggregateParts(
      all,
      this._parts.map((p, i) => reducePart(p, part, i)),
    ) as Delayed<Awaited<S>>
  }

  /**
   * Folds the items with `binop`, as `Array.prototype.reduce`: each partition from its
   * first item, then the partitions' results with `combine` (default `binop`). With
   * `initial`, each partition and the combination start from it, so it must be
   * neutral (0 for a sum, `[]` for a concatenation), and `binop` must return a new
   * value rather than change it. An empty bag without `initial` fails when computed.
   * @example numbers.fold((a, b) => a + b) // the sum
   * @example words.fold((n, word) => n + word.length, (a, b) => a + b, 0) // total length
   */
  fold(binop: (acc: T, item: T) => T, combine?: (a: T, b: T) => T): Delayed<T>
  fold<A>(binop: (acc: A, item: T) => A, combine: (a: A, b: A) => A, initial: A): Delayed<A>
  fold(binop: unknown, combine?: unknown, ...initial: unknown[]): Delayed<unknown> {
    const step = itemFunction('Bag#fold', 'binop', binop)
    const join = combine === undefined ? step : itemFunction('Bag#fold', 'combine', combine)
    const seed: [] | [unknown] = initial.length === 0 ? [] : [initial[0]]
    return foldAll(
      join,
      combine === undefined ? 'binop' : 'combine',
      seed,
      this._parts.map((p, i) => foldPart(p, step, seed, i)),
    )
  }

  /**
   * Folds the items of each key separately (Dask's `foldby`): a bag of `[key, result]`
   * pairs, one per key, in the order keys first appear. Each partition folds its items
   * with `binop` (from `initial` if given, else from the key's first item); the
   * partitions' results for a key are then folded with `combine` (default `binop`),
   * from `combineInitial` if given. Every key starts from the same `initial`: `binop`
   * must return a new value rather than change it. Keys are compared as `Map` keys are
   * (see `groupBy`).
   * @example words.foldBy((w) => w[0], (n, _w) => n + 1, 0, (a, b) => a + b) // [['a', 12], ...]
   */
  foldBy<S extends KeySelector<T, unknown>>(
    key: S,
    binop: (acc: T, item: T) => T,
  ): Bag<[SelectedKey<T, S>, T]>
  foldBy<S extends KeySelector<T, unknown>, A>(
    key: S,
    binop: (acc: A, item: T) => A,
    initial: A,
    combine: (a: A, b: A) => A,
    combineInitial?: A,
  ): Bag<[SelectedKey<T, S>, A]>
  foldBy(key: unknown, binop: unknown, ...rest: unknown[]): Bag<[unknown, unknown]> {
    const k = keySelector('Bag#foldBy', key)
    const step = itemFunction('Bag#foldBy', 'binop', binop)
    const seed: [] | [unknown] = rest.length === 0 ? [] : [rest[0]]
    const join = rest.length < 2 ? step : itemFunction('Bag#foldBy', 'combine', rest[1])
    const joinSeed: [] | [unknown] = rest.length < 3 ? [] : [rest[2]]
    const partials = this._parts.map((p, i) => foldByPart(p, k, step, seed, i))
    return this.merged(foldByMerge(this.partitions, join, joinSeed, partials))
  }

  /**
   * A bag of `[key, items]` pairs: the items of each key, in bag order, keys in the
   * order they first appear; re-partitioned into as many partitions as this bag. Keys are
   * compared as `Map` keys are (SameValueZero): strings and numbers by value, objects by
   * identity. On `threads` and `processes` every object is copied to and from workers,
   * so objects from different partitions never match: use strings or numbers as keys.
   * A symbol key fails the task on every executor, as it could not cross.
   * @example bag.from(['apple', 'avocado', 'bean']).groupBy((w) => w[0]) // ['a', [...]], ['b', [...]]
   */
  groupBy<S extends KeySelector<T, unknown>>(key: S): Bag<[SelectedKey<T, S>, T[]]> {
    const k = keySelector('Bag#groupBy', key)
    const partials = this._parts.map((p, i) => groupByPart(p, k, i))
    return this.merged(groupByMerge(this.partitions, partials))
  }

  /**
   * A bag of `[item, count]` pairs: how often each distinct item occurs, items in the
   * order they first appear. Items are compared as `Map` keys are (see `groupBy`).
   * @example bag.from(['a', 'b', 'a']).frequencies() // ['a', 2], ['b', 1]
   */
  frequencies(): Bag<[T, number]> {
    const partials = this._parts.map((p, i) => frequenciesPart(p, i))
    return this.merged(frequenciesMerge(this.partitions, partials))
  }

  /**
   * The `k` largest items, largest first, by `key` if given; of equal items, the one
   * earlier in the bag comes first. Items or keys are compared with `<` and `>`.
   * @example words.frequencies().topk(10, ([, count]) => count)
   */
  topk<C extends Comparable>(this: Bag<C>, k: number): Delayed<C[]>
  topk(k: number, key: KeySelector<T, Comparable>): Delayed<T[]>
  topk(k: number, key?: unknown): Delayed<unknown[]> {
    const count = wholeNumber('Bag#topk', 'k', k)
    const by = key === undefined ? undefined : keySelector('Bag#topk', key)
    return topkMerge(
      count,
      by,
      this._parts.map((p, i) => topkPart(p, count, by, i)),
    )
  }

  /**
   * The distinct items, first occurrences in bag order; with `key`, the first item of
   * each key. Items or keys are compared as `Map` keys are (see `groupBy`).
   * @example bag.from([1, 2, 1, 3]).distinct() // 1, 2, 3
   */
  distinct(key?: KeySelector<T, unknown>): Bag<T> {
    const by = key === undefined ? undefined : keySelector('Bag#distinct', key)
    const partials = this._parts.map((p, i) => distinctPart(p, by, i))
    return this.merged(distinctMerge(this.partitions, partials))
  }

  /** The number of items. */
  count(): Delayed<number> {
    return countAll(this._parts.map((p, i) => countPart(p, i)))
  }

  /** The sum of the items (0 for an empty bag). */
  sum(this: Bag<number>): Delayed<number> {
    return sumAll(this._parts.map((p, i) => sumPart(p, i)))
  }

  /** The mean of the items; an empty bag fails when computed. */
  mean(this: Bag<number>): Delayed<number> {
    return meanAll(this._parts.map((p, i) => meanPart(p, i)))
  }

  /** The smallest item, compared with `<`; an empty bag fails when computed. */
  min<C extends Comparable>(this: Bag<C>): Delayed<C> {
    return minAll(this._parts.map((p, i) => minPart(p, i))) as Delayed<C>
  }

  /** The largest item, compared with `>`; an empty bag fails when computed. */
  max<C extends Comparable>(this: Bag<C>): Delayed<C> {
    return maxAll(this._parts.map((p, i) => maxPart(p, i))) as Delayed<C>
  }

  /** One `Delayed` array per partition, in order (Dask's `to_delayed`). */
  toDelayed(): Delayed<T[]>[] {
    return this._parts.slice()
  }

  /**
   * Runs the graph the bag needs and resolves with all its items, in order.
   * @example await bag.from([1, 2, 3]).map((x) => x * 2).compute() // [2, 4, 6]
   */
  override compute(options?: ComputeOptions): Promise<T[]> {
    return computeTargets('Bag#compute', [this], options).then((results) => results[0] as T[])
  }

  /**
   * Computes the partitions now and returns a bag backed by them, under the same keys:
   * operations on it start from the computed items.
   */
  override async persist(options?: ComputeOptions): Promise<Bag<T>> {
    const [values] = (await computeTargets('Bag#persist', [this._parts], options)) as [T[][]]
    return new Bag(
      this._parts.map((part, i) => makeData(values[i]!, part.name, part.key, KeyKind.Persisted)),
    )
  }

  override toString(): string {
    return `Bag(${JSON.stringify(this.key)}, ${this.partitions} partitions)`
  }

  /** A bag of one new task per partition. */
  private each<U>(task: (part: Delayed<T[]>, index: number) => Delayed<unknown>): Bag<U> {
    return new Bag(this._parts.map(task) as Delayed<U[]>[])
  }

  /** A bag of the partitions of a merged result, split as this bag was. */
  private merged<U>(parts: Delayed<unknown[][]>): Bag<U> {
    return new Bag(
      Array.from({ length: this.partitions }, (_, i) => splitPart(parts, i) as Delayed<U[]>),
    )
  }
}
