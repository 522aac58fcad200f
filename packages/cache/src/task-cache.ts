import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { TaskGraph } from '@taskgraph/core/internal'
import type { CacheSession, ResultCache } from '@taskgraph/scheduler'
import { DiskCache, type CacheLimits } from './disk-cache.js'
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
  readonly #store: DiskCache
  readonly #limits: CacheLimits
  readonly #warn: (message: string) => void

  constructor(directory: string, options: TaskCacheOptions = {}) {
    this.directory = resolve(directory)
    this.#store = new DiskCache(this.directory)
    const { onWarning, ...limits } = options
    this.#limits = limits
    this.#warn =
      onWarning ?? ((message) => process.emitWarning(message, { code: 'TASKGRAPH_CACHE' }))
  }

  async open(graph: TaskGraph): Promise<CacheSession> {
    const keys = nodeKeys(graph, new SourceFingerprints())
    this.#warnUnkeyable(graph, keys)
    const known = await this.#lookUp(graph, keys)
    return new Session(graph, keys, known, this.#store, this.#limits, this.#warn)
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
  async #lookUp(graph: TaskGraph, keys: readonly NodeKey[]): Promise<Map<string, unknown>> {
    const known = new Map<string, unknown>()
    // A key whose shard directory does not exist is a miss without a read: a first run
    // costs one directory listing, not a failed read per task.
    const shards = new Set(await readdir(join(this.directory, 'entries')).catch(() => []))
    const seen = new Uint8Array(graph.size)
    let frontier = [...new Set(graph.outputs)]
    for (const i of frontier) seen[i] = 1
    while (frontier.length > 0) {
      const found = await Promise.all(
        frontier.map(async (i) => {
          const key = keys[i]!
          if (key.kind !== 'stored' || !shards.has(key.key.slice(0, 2))) return false
          const lookup = await this.#store.get(key.key)
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

/** One run's use of the cache: what it found, and what it stores. */
class Session implements CacheSession {
  readonly #indexOf = new Map<string, number>()
  readonly #writes = new Set<Promise<void>>()
  /** Functions whose results could not be stored (told once each). */
  readonly #refused = new Set<string>()
  #stored = 0

  constructor(
    private readonly graph: TaskGraph,
    private readonly keys: readonly NodeKey[],
    readonly known: ReadonlyMap<string, unknown>,
    private readonly store: DiskCache,
    private readonly limits: CacheLimits,
    private readonly warn: (message: string) => void,
  ) {
    for (let i = 0; i < graph.size; i++) this.#indexOf.set(graph.key(i), i)
  }

  stores(key: string): boolean {
    const i = this.#indexOf.get(key)
    return i !== undefined && this.keys[i]!.kind === 'stored'
  }

  completed(key: string, value: unknown): void {
    const i = this.#indexOf.get(key)
    if (i === undefined) return
    const node = this.keys[i]!
    if (node.kind !== 'stored') return
    const name = this.graph.name(i)
    const write = this.store
      .put(node.key, value, { task: key, name, storedAt: Date.now() })
      .then(
        () => {
          this.#stored++
        },
        (error: unknown) => {
          if (this.#refused.has(name)) return
          this.#refused.add(name)
          this.warn(
            `cache: the results of ${JSON.stringify(name)} cannot be stored, so they will run again: ${(error as Error).message}`,
          )
        },
      )
      .finally(() => this.#writes.delete(write))
    this.#writes.add(write)
  }

  async close(): Promise<void> {
    while (this.#writes.size > 0) await Promise.all(this.#writes)
    if (this.#stored === 0) return
    // Only a run that added entries can take the cache past its limits.
    await this.store.prune(this.limits).catch((error: unknown) => {
      this.warn(`cache: could not prune ${this.store.directory}: ${(error as Error).message}`)
    })
  }
}
