// One run's use of a `TaskCache` (task-cache.ts opens it): what the run found in the
// cache, and which of its results it stores as they come.
import type { TaskGraph } from '@taskgraph/core/internal'
import type { CacheSession } from '@taskgraph/scheduler'
import { findCloneProblem, leastBytes, type StepWorth } from '@taskgraph/scheduler/wire'
import { damageHint } from './cache-access-error.js'
import type { CacheLimits } from './cache-units.js'
import type { DiskCache } from './disk-cache.js'
import { encodeEntry } from './entry-file.js'
import { dependenciesOf, MAX_RECIPE_DEPENDENCIES } from './explain-key.js'
import type { TaskKeys } from './task-keys.js'

/** What a `Session` is told to do beyond its graph and store. */
export interface SessionRules {
  readonly limits: CacheLimits
  /** Store every result of a cached task, worth it or not. */
  readonly storeAll: boolean
  readonly warn: (message: string) => void
  /**
   * Told what went wrong with the directory itself: once per run, however many of its
   * reads, writes and prunes fail (a directory that cannot be written fails them all,
   * for one reason).
   */
  readonly directoryFailed: (message: string) => void
  /** Told that the directory could not be written (through `directoryFailed`). */
  readonly writeFailed: (error: unknown) => void
  /** What `open` is still writing (file hashes): awaited on `close`. */
  readonly written: Promise<void>
}

/** One run's use of the cache: what it found, and what it stores. */
export class Session implements CacheSession {
  /** Functions whose results could not be stored (told once each). */
  readonly #refused = new Set<string>()
  /** The recipes of the functions this run stored results of, being kept. */
  readonly #recipes = new Map<string, Promise<boolean>>()
  #stored = 0
  /**
   * What each node's result would cost to make again, in ms: its own run, and the cost
   * of each input that is not stored (nor read from the cache). Filled as tasks finish.
   */
  readonly #cost: Float64Array
  /** Nodes whose results are in the cache (stored by this run). */
  readonly #kept: Uint8Array
  /** Nodes whose cost is noted (`#weigh`). */
  readonly #weighed: Uint8Array
  /** The run's targets (see `targetsOf`): always stored, as a re-run needs only them. */
  readonly #targets: Uint8Array

  constructor(
    private readonly graph: TaskGraph,
    /**
     * The keys of the nodes of `graph`, the graph the session was opened on. The run's
     * graph is collected again when results are known: tasks are named by key, not node.
     */
    private readonly keys: TaskKeys,
    readonly known: ReadonlyMap<string, unknown>,
    private readonly store: DiskCache,
    private readonly rules: SessionRules,
  ) {
    this.#cost = new Float64Array(graph.size)
    this.#kept = new Uint8Array(graph.size)
    this.#weighed = new Uint8Array(graph.size)
    this.#targets = targetsOf(graph)
    // A target's result is stored whatever it costs: its recipe is written while the run
    // goes on, not after it, when the run's end waits for it.
    const targets = this.#targets
    for (let i = 0; i < targets.length; i++) {
      if (targets[i] === 1 && keys.stored(i)) void this.#keepRecipe(keys.fn(i))
    }
  }

  stores(key: string, node?: number): boolean {
    const i = node ?? this.graph.indexOf(key)
    return i !== undefined && this.keys.stored(i)
  }

  completed(key: string, value: unknown, durationMs: number | undefined, node?: number): void {
    // Found by key only if the run's graph is another: the first search indexes every
    // key, about a sixth of a cold run's main-thread time on the 10,000-task fan-out.
    const i = node ?? this.graph.indexOf(key)
    if (i === undefined) return
    const cost = this.#weigh(i, durationMs)
    if (!this.keys.stored(i)) return
    const graph = this.graph
    const { depStart } = graph
    const always = this.rules.storeAll || this.#targets[i] === 1
    // Most results too cheap to keep are known so before they are serialized: by their
    // cost alone, or by a lower bound of their size (a cheap step's 300 MB string).
    if (!always && (cost < READ_MS || cost < readBackMs(leastBytes(value, maxBytes(cost))))) return
    const name = graph.name(i)
    const fn = this.keys.fn(i)
    // A task with many inputs is stored without them: not listed only to be dropped.
    const recipe =
      depStart[i + 1]! - depStart[i]! <= MAX_RECIPE_DEPENDENCIES
        ? { fn, deps: dependenciesOf(graph, this.keys, i) }
        : { fn }
    try {
      refuseChanging(value)
      const entry = encodeEntry(value, { task: key, name, storedAt: Date.now(), recipe })
      if (!always && cost < readBackMs(entry.byteLength)) return
      // Checked before its bytes are put together: stored, it would be written each run
      // and read by none.
      if (entry.byteLength > MAX_ENTRY_BYTES) {
        throw new Error(
          `the result takes ${entry.byteLength} bytes serialized, more than the ${MAX_ENTRY_BYTES} a cache entry can hold (what Node reads from a file at once). Return it in parts, from several tasks, to have them cached.`,
        )
      }
      // Its function's recipe is written first: a later run looks up only the tasks of
      // functions that have one. An entry whose recipe could not be written is not kept.
      const cacheKey = this.keys.key(i)
      const bytes = entry.pack(cacheKey)
      void this.#keepRecipe(fn).then((kept) => {
        if (kept) this.store.putPacked(cacheKey, bytes)
      })
      this.#kept[i] = 1
      this.#stored++
    } catch (error) {
      this.#refuse(name, (error as Error).message)
    }
  }

  worth(key: string, node?: number): StepWorth | undefined {
    const i = node ?? this.graph.indexOf(key)
    if (i === undefined || this.rules.storeAll || this.#targets[i] === 1) return undefined
    // Its inputs from outside its chain, which have finished (the chain's own have not),
    // as `#weigh` counts them. One not weighed yet (a cluster's result still being read
    // for the cache) could cost anything: the step comes back whatever it weighs.
    const { graph } = this
    const { depStart, depNodes } = graph
    let inputsMs = 0
    for (let e = depStart[i]!; e < depStart[i + 1]!; e++) {
      const dependency = depNodes[e]!
      if (this.#kept[dependency] === 1) continue
      if (this.#weighed[dependency] === 0 && this.#mayBeWeighed(dependency)) return undefined
      inputsMs += this.#cost[dependency]!
    }
    return { costMs: inputsMs - READ_MS, bytesPerMs: READ_BYTES_PER_MS }
  }

  /** Whether node `i` is a task of this run, whose cost `#weigh` notes once it finishes. */
  #mayBeWeighed(i: number): boolean {
    return this.graph.fn(i) !== undefined && !this.known.has(this.graph.key(i))
  }

  passedOver(key: string, durationMs: number | undefined, node?: number): void {
    const i = node ?? this.graph.indexOf(key)
    if (i !== undefined) this.#weigh(i, durationMs)
  }

  notStored(key: string, problem: string, durationMs?: number, node?: number): void {
    const i = node ?? this.graph.indexOf(key)
    if (i === undefined) return
    // Not kept, it is made again with what depends on it, which is then worth more.
    this.#weigh(i, durationMs)
    this.#refuse(this.graph.name(i), problem)
  }

  /**
   * Notes and returns what node `i`'s result, made in `durationMs`, would cost to make
   * again: its run and each input not kept.
   */
  #weigh(i: number, durationMs: number | undefined): number {
    const { depStart, depNodes } = this.graph
    const costs = this.#cost
    const kept = this.#kept
    // Unmeasured, a result counts as worth keeping.
    let cost = durationMs ?? Infinity
    // A sum of 10,000 results adds 10,000 costs: read from locals, not fields.
    for (let e = depStart[i]!; e < depStart[i + 1]!; e++) {
      const dependency = depNodes[e]!
      if (kept[dependency] === 0) cost += costs[dependency]!
    }
    costs[i] = cost
    this.#weighed[i] = 1
    return cost
  }

  /** Tells, once per function, why its results cannot be stored. */
  #refuse(name: string, why: string): void {
    if (this.#refused.has(name)) return
    this.#refused.add(name)
    this.rules.warn(
      `cache: the results of ${JSON.stringify(name)} cannot be stored, so they will run again: ${why}`,
    )
  }

  /**
   * Keeps the recipe of function `fn` (once per run), which marks it as having entries.
   * Resolves with whether it is kept.
   */
  #keepRecipe(fn: string): Promise<boolean> {
    let kept = this.#recipes.get(fn)
    if (kept === undefined) {
      kept = this.#saveRecipe(fn)
      this.#recipes.set(fn, kept)
    }
    return kept
  }

  /** Writes the recipe of function `fn`; a failure is told, not thrown. */
  #saveRecipe(fn: string): Promise<boolean> {
    return this.store.saveRecipe(fn, this.keys.recipes.get(fn)).then(
      () => true,
      (error: unknown) => {
        this.rules.writeFailed(error)
        return false
      },
    )
  }

  returned(graph: TaskGraph): string | undefined {
    for (let i = 0; i < graph.size; i++) {
      const fn = graph.fn(i)
      if (fn === undefined || graph.spec(i).rearranges === true) continue
      // A function a factory made, or one given state (`bind`, properties): state that
      // came from where the graph was made, not from the task that returned it.
      if (this.keys.holdsState(fn)) {
        return `it returned a graph holding a task of ${JSON.stringify(graph.name(i))}, whose function holds values (what a factory or bind was given) that the returning task's key does not cover`
      }
    }
    return undefined
  }

  async close(): Promise<void> {
    const { directoryFailed, limits, written, writeFailed } = this.rules
    await Promise.all([written, ...this.#recipes.values()])
    try {
      await this.store.close()
    } catch (error) {
      writeFailed(error)
      return
    }
    // The directory was removed while the run stored results, and made again: the
    // recipes kept before went with it, and the next run looks up only the results of
    // functions that have one.
    if (this.store.remade)
      await Promise.all([...this.#recipes.keys()].map((fn) => this.#saveRecipe(fn)))
    // Only a run that added entries can take the cache past its limits; one that stays
    // within them, by what it saw as it opened the cache and stored since, spares the
    // directory a second look (a few ms, most of what closing costs a small run).
    if (this.#stored === 0 || !this.store.mayBePast(limits)) return
    await this.store.prune(limits).catch((error: unknown) => {
      directoryFailed(
        `cache: could not prune ${this.store.directory}: ${(error as Error).message}${damageHint(error, this.store.directory)}`,
      )
    })
  }
}

/**
 * The run's targets, as flags by node: its outputs, and for an output that only
 * rearranges results (a `gather`, a bag's `concat`), which is never stored, the tasks it
 * rearranges (through any number of such steps).
 */
function targetsOf(graph: TaskGraph): Uint8Array {
  const targets = new Uint8Array(graph.size)
  const pending = [...graph.outputs]
  while (pending.length > 0) {
    const i = pending.pop()!
    if (targets[i] === 1) continue
    targets[i] = 1
    // What a rearranging task (gather, get, at) takes is what a re-run needs, even when
    // the task itself cannot be keyed (another of its inputs cannot).
    if (graph.spec(i).rearranges !== true) continue
    for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++)
      pending.push(graph.depNodes[e]!)
  }
  return targets
}

/**
 * Throws, saying where, if `value` holds what would not be read back as it was: V8's
 * serialization turns a class instance into a plain object (its prototype lost), which
 * a later run would be handed for the task's result, and fails on a function.
 */
function refuseChanging(value: unknown): void {
  // Another process may read the entry: shared memory is as good as gone.
  const problem = findCloneProblem(value, 'the result', { sameProcess: false, exact: true })
  if (problem === undefined) return
  const why = problem.reason ?? 'which does not survive serialization'
  throw new Error(`${problem.path} is ${problem.type}, ${why}.`)
}

/**
 * What reading a result back costs a later run, at least, in ms: finding it in the index,
 * reading it and checking it (measured: well under this on a local disk).
 */
const READ_MS = 0.1
/** And per byte: reading and deserializing, at 250 MB/s. */
const READ_BYTES_PER_MS = 250_000

/** The largest entry that can be read back: Node reads no more than this from a file at once. */
const MAX_ENTRY_BYTES = 2 ** 31 - 1

/** The most bytes a result that cost `costMs` to make may take to be worth keeping. */
function maxBytes(costMs: number): number {
  return (costMs - READ_MS) * READ_BYTES_PER_MS
}

/** What reading back an entry of `bytes` bytes costs, in ms. */
function readBackMs(bytes: number): number {
  return READ_MS + bytes / READ_BYTES_PER_MS
}
