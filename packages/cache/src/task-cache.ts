import { resolve } from 'node:path'
import type { TaskGraph } from '@taskgraph/core/internal'
import type { CacheSession, ResultCache } from '@taskgraph/scheduler'
import { DiskCache, type CacheEntry, type CacheLimits } from './disk-cache.js'
import { dependenciesOf, explainKey } from './explain-key.js'
import { UnknownTaskError } from './unknown-task-error.js'
import { nodeKeys, type NodeKey } from './task-keys.js'
import { SourceFingerprints } from './source-fingerprints.js'

/** Options of a `TaskCache`. */
export interface TaskCacheOptions extends CacheLimits {
  /**
   * Told, in one line each, of what keeps results out of the cache: tasks that cannot be
   * keyed, damaged entries (read as misses), results that cannot be stored.
   * @default process.emitWarning
   */
  onWarning?: (message: string) => void
}

/**
 * A persistent cache of task results in a directory, for the `cache` run option: the
 * results of cached tasks (`pure`, or `cache: true`) are read from it instead of running
 * them, and stored in it when they run. Runs may share a directory at once.
 * @example
 * await compute(report, { cache: new TaskCache('.taskgraph-cache') })
 */
export class TaskCache implements ResultCache {
  readonly directory: string
  readonly #limits: CacheLimits
  readonly #warn: (message: string) => void

  constructor(directory: string, options: TaskCacheOptions = {}) {
    this.directory = resolve(directory)
    const { onWarning, ...limits } = options
    this.#limits = limits
    this.#warn =
      onWarning ?? ((message) => process.emitWarning(message, { code: 'TASKGRAPH_CACHE' }))
  }

  async open(graph: TaskGraph): Promise<CacheSession> {
    const { keys, recipes, nodeOf } = nodeKeys(graph, new SourceFingerprints())
    this.#warnUnkeyable(graph, keys)
    // A store of its own per run: it reads what other runs stored up to now.
    const store = new DiskCache(this.directory)
    await store.load()
    const known = await this.#lookUp(graph, keys, store)
    await store.saveRecipes(recipes).catch((error: unknown) => {
      this.#warn(`cache: could not write to ${this.directory}: ${(error as Error).message}`)
    })
    return new Session(graph, keys, nodeOf, known, store, this.#limits, this.#warn)
  }

  /**
   * Whether the task with key `task` in `graph` would be read from the cache, and if not,
   * why, as lines of text: what `taskgraph cache why` prints.
   * @throws {UnknownTaskError} if the graph has no task with that key
   */
  async explain(graph: TaskGraph, task: string): Promise<string[]> {
    let i = 0
    while (i < graph.size && graph.key(i) !== task) i++
    if (i === graph.size || graph.fn(i) === undefined) throw new UnknownTaskError(graph, task)
    const { keys, recipes } = nodeKeys(graph, new SourceFingerprints())
    const store = new DiskCache(this.directory)
    await store.load()
    try {
      return await explainKey(graph, keys, recipes, store, i)
    } finally {
      await store.close()
    }
  }

  /** Every entry, least recently used first. */
  async entries(): Promise<CacheEntry[]> {
    return new DiskCache(this.directory).list()
  }

  /**
   * Evicts what is past `limits` (by default, the limits this cache was made with),
   * least recently used first. Returns how many entries and bytes went.
   */
  async prune(limits: CacheLimits = this.#limits): Promise<{ removed: number; bytes: number }> {
    return new DiskCache(this.directory).prune(limits)
  }

  /** Removes every entry. Returns how many there were. */
  async clear(): Promise<number> {
    return new DiskCache(this.directory).clear()
  }

  /** One warning per function and reason for the tasks asked to be cached that cannot be. */
  #warnUnkeyable(graph: TaskGraph, keys: readonly NodeKey[]): void {
    const counts = new Map<string, { name: string; reason: string; count: number }>()
    for (let i = 0; i < graph.size; i++) {
      const key = keys[i]!
      if (key.kind !== 'unkeyable' || graph.spec(i).cache !== true) continue
      const id = `${graph.name(i)}\0${key.reason}`
      const seen = counts.get(id)
      if (seen === undefined) counts.set(id, { name: graph.name(i), reason: key.reason, count: 1 })
      else seen.count++
    }
    for (const { name, reason, count } of counts.values()) {
      const tasks = count === 1 ? 'a task' : `${count} tasks`
      this.#warn(
        `cache: ${tasks} of ${JSON.stringify(name)} cannot be cached, so they run: ${reason}.`,
      )
    }
  }

  /**
   * The results the run can use, by task key: from the targets down, a stored result
   * found ends the search on its branch, so a run whose targets are cached reads their
   * results and nothing else.
   */
  async #lookUp(
    graph: TaskGraph,
    keys: readonly NodeKey[],
    store: DiskCache,
  ): Promise<Map<string, unknown>> {
    const known = new Map<string, unknown>()
    const seen = new Uint8Array(graph.size)
    let frontier = [...new Set(graph.outputs)]
    for (const i of frontier) seen[i] = 1
    while (frontier.length > 0) {
      const found = await Promise.all(
        frontier.map(async (i) => {
          const key = keys[i]!
          if (key.kind !== 'stored' || !store.mayHave(key.key)) return false
          const lookup = await store.get(key.key)
          if (lookup.hit) known.set(graph.key(i), lookup.value)
          else if (lookup.problem !== undefined) this.#warn(`${lookup.problem}: it is run again.`)
          return lookup.hit
        }),
      )
      const next: number[] = []
      frontier.forEach((i, n) => {
        if (found[n] === true) return
        for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
          const dependency = graph.depNodes[e]!
          if (seen[dependency] === 1) continue
          seen[dependency] = 1
          next.push(dependency)
        }
      })
      frontier = next
    }
    return known
  }
}

// An entry lists its dependencies, for `taskgraph cache why`, unless it has more than this.
const MAX_RECIPE_DEPENDENCIES = 32

/** One run's use of the cache: what it found, and what it stores. */
class Session implements CacheSession {
  /** Functions whose results could not be stored (told once each). */
  readonly #refused = new Set<string>()
  #stored = 0

  constructor(
    private readonly graph: TaskGraph,
    private readonly keys: readonly NodeKey[],
    /** The node of each task key (the run's graph is collected again: keys, not indices). */
    private readonly nodeOf: ReadonlyMap<string, number>,
    readonly known: ReadonlyMap<string, unknown>,
    private readonly store: DiskCache,
    private readonly limits: CacheLimits,
    private readonly warn: (message: string) => void,
  ) {}

  stores(key: string): boolean {
    const i = this.nodeOf.get(key)
    return i !== undefined && this.keys[i]!.kind === 'stored'
  }

  completed(key: string, value: unknown): void {
    const i = this.nodeOf.get(key)
    if (i === undefined) return
    const node = this.keys[i]!
    if (node.kind !== 'stored') return
    const graph = this.graph
    const name = graph.name(i)
    // A task with many inputs is stored without them: not listed only to be dropped.
    const recipe =
      graph.depStart[i + 1]! - graph.depStart[i]! <= MAX_RECIPE_DEPENDENCIES
        ? { fn: node.fn, deps: dependenciesOf(graph, this.keys, i) }
        : { fn: node.fn }
    try {
      this.store.put(node.key, value, { task: key, name, storedAt: Date.now(), recipe })
      this.#stored++
    } catch (error) {
      if (this.#refused.has(name)) return
      this.#refused.add(name)
      this.warn(
        `cache: the results of ${JSON.stringify(name)} cannot be stored, so they will run again: ${(error as Error).message}`,
      )
    }
  }

  async close(): Promise<void> {
    try {
      await this.store.close()
    } catch (error) {
      this.warn(
        `cache: could not write results to ${this.store.directory}, so they will run again: ${(error as Error).message}`,
      )
      return
    }
    if (this.#stored === 0) return
    // Only a run that added entries can take the cache past its limits.
    await this.store.prune(this.limits).catch((error: unknown) => {
      this.warn(`cache: could not prune ${this.store.directory}: ${(error as Error).message}`)
    })
  }
}
