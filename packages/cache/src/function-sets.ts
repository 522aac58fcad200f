/**
 * The functions a node's result comes from, its own and its dependencies', transitively:
 * what a cache key must cover of code beside the node's own token, when that token names
 * functions by where they were made rather than by their code (see `TaskKeys`).
 */
export interface FunctionSet {
  /** The entries in order, one string: what keys hold of the set. */
  readonly token: string
  /** Each function as `what the graph's keys name it by=its cache id`, in order, once. */
  readonly entries: readonly string[]
  /** Unions already made with other sets. */
  readonly unions: Map<FunctionSet, FunctionSet>
}

/**
 * Makes function sets, each once: the nodes of a graph share a few sets, so each node
 * holds one, and a union already made is read back (a task taking 10,000 results of one
 * function makes one union, and reads it 9,999 times).
 */
export class FunctionSets {
  readonly #byToken = new Map<string, FunctionSet>()
  readonly empty: FunctionSet = this.#intern([])

  /** The set of one function. */
  of(entry: string): FunctionSet {
    return this.#byToken.get(entry) ?? this.#intern([entry])
  }

  union(a: FunctionSet, b: FunctionSet): FunctionSet {
    if (a === b || b.entries.length === 0) return a
    if (a.entries.length === 0) return b
    let union = a.unions.get(b)
    if (union === undefined) {
      const entries = [...new Set([...a.entries, ...b.entries])].sort()
      union = this.#byToken.get(entries.join('\n')) ?? this.#intern(entries)
      a.unions.set(b, union)
    }
    return union
  }

  #intern(entries: string[]): FunctionSet {
    const set: FunctionSet = { token: entries.join('\n'), entries, unions: new Map() }
    this.#byToken.set(set.token, set)
    return set
  }
}
