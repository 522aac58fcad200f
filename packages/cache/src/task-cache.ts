import { resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import { checkOptionNames, describeValue, type TaskGraph } from '@taskgraph/core/internal'
import type { CacheSession, ResultCache } from '@taskgraph/scheduler'
import { findCloneProblem, leastBytes, type StepWorth } from '@taskgraph/scheduler/wire'
import type { CacheLimits } from './cache-units.js'
import { DiskCache } from './disk-cache.js'
import type { CacheEntry } from './list-entries.js'
import {
  CacheAccessError,
  NOT_A_DIRECTORY_FIX,
  asAccessError,
  damageHint,
} from './cache-access-error.js'
import { encodeEntry } from './entry-file.js'
import { dependenciesOf, explainKey } from './explain-key.js'
import { UnknownTaskError } from './unknown-task-error.js'
import { TaskKeys } from './task-keys.js'
import { SourceFingerprints } from './source-fingerprints.js'
import { notADirectory } from './not-a-directory.js'

/** Options of a `TaskCache`. */
export interface TaskCacheOptions extends CacheLimits {
  /**
   * Which results of cached tasks a run stores. `'worthwhile'`: the run's targets, and
   * each result that took longer to make (with the inputs it needed that are not stored)
   * than reading it back would take; a cheaper one is made again when needed. `'all'`:
   * every one.
   * @default 'worthwhile'
   * @throws {InvalidOptionError} for any other value
   */
  store?: 'worthwhile' | 'all'
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
  readonly #storeAll: boolean
  readonly #warn: (message: string) => void

  /**
   * @throws {InvalidOptionError} if `directory` is not a path, is a file or lies under one
   * (a missing directory is made when results are stored), or for an unknown option or a
   * value an option does not take
   */
  constructor(directory: string, options: TaskCacheOptions = {}) {
    const caller = 'new TaskCache'
    // '' would be the working directory: a project's root filled with cache files.
    if (typeof directory !== 'string' || directory === '') {
      throw new InvalidOptionError({
        message: `${caller}: the directory must be a path, not ${describeValue(directory)}. Give the directory the cache keeps its results in, such as '.taskgraph-cache'.`,
      })
    }
    this.directory = resolve(directory)
    if (notADirectory(this.directory) !== undefined) {
      throw new InvalidOptionError({
        message: `${caller}: ${this.directory} is not a directory (it, or one above it, is a file). Give the cache a directory: one that is missing is made.`,
      })
    }
    checkOptionNames(caller, options, OPTION_NAMES)
    const { onWarning, store = 'worthwhile', ...limits } = options
    if (store !== 'worthwhile' && store !== 'all') {
      throw new InvalidOptionError({
        message: `${caller}: option "store" must be 'worthwhile' or 'all', got ${JSON.stringify(store) ?? String(store)}. Leave it out to store what is worth storing.`,
      })
    }
    if (onWarning !== undefined && typeof onWarning !== 'function') {
      throw new InvalidOptionError({
        message: `${caller}: option "onWarning" must be a function taking a message, not ${describeValue(onWarning)}.`,
      })
    }
    this.#storeAll = store === 'all'
    this.#limits = checkLimits(caller, limits)
    this.#warn =
      onWarning ?? ((message) => process.emitWarning(message, { code: 'TASKGRAPH_CACHE' }))
  }

  async open(graph: TaskGraph): Promise<CacheSession> {
    // It was a directory when the cache was made: told once a run, as a directory that
    // cannot be written is, rather than by each write.
    if (notADirectory(this.directory) !== undefined) {
      this.#warn(
        `cache: ${this.directory} is not a directory any more (it, or one above it, is a file), so this run reads nothing from it and stores nothing in it: ${NOT_A_DIRECTORY_FIX}.`,
      )
      return UNUSABLE
    }
    // A store of its own per run: it reads what other runs stored up to now.
    const store = new DiskCache(this.directory)
    // One warning a run about the directory itself: one that cannot be read (a link loop)
    // fails every write and the prune as well, for the same reason.
    const directoryFailed = tellOnce((message: string) => this.#warn(message))
    const [memo] = await Promise.all([
      store.fileHashes(),
      // A run goes on without what it cannot read, as without what it cannot store.
      store.load().catch((error: unknown) => {
        directoryFailed(
          `cache: could not read ${this.directory}, so this run reads nothing from it: ${(error as Error).message}${damageHint(error, this.directory)}`,
        )
      }),
    ])
    const fingerprints = new SourceFingerprints(memo)
    const keys = new TaskKeys(graph, fingerprints)
    this.#warnUnkeyable(graph, keys)
    const known = store.empty ? new Map<string, unknown>() : await this.#lookUp(graph, keys, store)
    const changedMemo = fingerprints.changedMemo()
    const writeFailed = (error: unknown): void => {
      directoryFailed(
        `cache: could not write to ${this.directory}, so the results this run could not store will run again next time: ${(error as Error).message}${damageHint(error, this.directory)}`,
      )
    }
    // Written while the run goes on; the session waits for it when it closes.
    const written =
      changedMemo === undefined
        ? Promise.resolve()
        : store.saveFileHashes(changedMemo).catch(writeFailed)
    return new Session(graph, keys, known, store, {
      limits: this.#limits,
      storeAll: this.#storeAll,
      warn: this.#warn,
      directoryFailed,
      writeFailed,
      written,
    })
  }

  /**
   * Whether the task with key `task` in `graph` would be read from the cache, and if not,
   * why, as lines of text: what `taskgraph cache why` prints.
   * @throws {UnknownTaskError} if the graph has no task with that key
   * @throws {CacheAccessError} if the directory cannot be read, or is a file now
   */
  async explain(graph: TaskGraph, task: string): Promise<string[]> {
    let i = 0
    while (i < graph.size && graph.key(i) !== task) i++
    if (i === graph.size || graph.fn(i) === undefined) throw new UnknownTaskError(graph, task)
    this.#refuseFile('TaskCache.explain')
    const store = new DiskCache(this.directory)
    const [memo] = await Promise.all([
      store.fileHashes(),
      store.load().catch((error: unknown) => {
        throw asAccessError('TaskCache.explain', this.directory, error)
      }),
    ])
    const keys = new TaskKeys(graph, new SourceFingerprints(memo))
    try {
      return await explainKey(graph, keys, store, i)
    } finally {
      await store.close()
    }
  }

  /**
   * Every entry, least recently used first.
   * @throws {CacheAccessError} if the directory cannot be read, or is a file now
   */
  async entries(): Promise<CacheEntry[]> {
    this.#refuseFile('TaskCache.entries')
    return new DiskCache(this.directory).list().catch((error: unknown) => {
      throw asAccessError('TaskCache.entries', this.directory, error)
    })
  }

  /**
   * Evicts what is past `limits` (by default, the limits this cache was made with),
   * least recently used first. Returns how many entries and bytes went.
   * @throws {InvalidOptionError} for a limit that is not a number, 0 or more
   * @throws {CacheAccessError} if the directory cannot be read or changed, or is a file now
   */
  async prune(limits: CacheLimits = this.#limits): Promise<{ removed: number; bytes: number }> {
    checkOptionNames('TaskCache.prune', limits, LIMIT_NAMES)
    const checked = checkLimits('TaskCache.prune', limits)
    this.#refuseFile('TaskCache.prune')
    return new DiskCache(this.directory).prune(checked).catch((error: unknown) => {
      throw asAccessError('TaskCache.prune', this.directory, error)
    })
  }

  /**
   * Removes every entry. Returns how many there were.
   * @throws {CacheAccessError} if the directory cannot be read or changed, or is a file now
   */
  async clear(): Promise<number> {
    this.#refuseFile('TaskCache.clear')
    return new DiskCache(this.directory).clear().catch((error: unknown) => {
      throw asAccessError('TaskCache.clear', this.directory, error)
    })
  }

  /**
   * Throws `CacheAccessError` for `call` if the directory is a file now, or lies under
   * one: read, it would pass for an empty cache.
   */
  #refuseFile(call: string): void {
    const error = notADirectory(this.directory)
    if (error !== undefined) throw new CacheAccessError(call, this.directory, error)
  }

  /** One warning per function and reason for the tasks asked to be cached that cannot be. */
  #warnUnkeyable(graph: TaskGraph, keys: TaskKeys): void {
    const counts = new Map<string, { name: string; reason: string; count: number }>()
    for (let i = 0; i < graph.size; i++) {
      if (keys.kind(i) !== 'unkeyable' || graph.spec(i).cache !== true) continue
      const reason = keys.reason(i)
      const id = `${graph.name(i)}\0${reason}`
      const seen = counts.get(id)
      if (seen === undefined) counts.set(id, { name: graph.name(i), reason, count: 1 })
      else seen.count++
    }
    for (const { name, reason, count } of counts.values()) {
      const tasks = count === 1 ? 'a task' : `${count} tasks`
      const run = count === 1 ? 'it runs' : 'they run'
      this.#warn(
        `cache: ${tasks} of ${JSON.stringify(name)} cannot be cached, so ${run}: ${reason}.`,
      )
    }
  }

  /**
   * The results the run can use, by task key: from the targets down, a stored result
   * found ends the search on its branch, so a run whose targets are cached reads their
   * results and nothing else.
   */
  async #lookUp(graph: TaskGraph, keys: TaskKeys, store: DiskCache): Promise<Map<string, unknown>> {
    const known = new Map<string, unknown>()
    const damaged: string[] = []
    const seen = new Uint8Array(graph.size)
    let frontier = [...new Set(graph.outputs)]
    for (const i of frontier) seen[i] = 1
    while (frontier.length > 0) {
      // Only keys the store may have are read: an empty cache costs no read, nor a
      // promise, per task.
      const found = new Uint8Array(frontier.length)
      const reads: Promise<void>[] = []
      frontier.forEach((i, n) => {
        // A task whose function has no entries is not keyed to be looked up.
        if (!keys.stored(i) || !store.mayHaveFunction(keys.fn(i))) return
        const key = keys.key(i)
        if (!store.mayHave(key)) return
        reads.push(
          store.get(key).then((lookup) => {
            if (lookup.hit) {
              known.set(graph.key(i), lookup.value)
              found[n] = 1
            } else if (lookup.problem !== undefined) {
              // A file the cache cannot read at all says what to do about it.
              damaged.push(
                `${lookup.problem}: it is run again${damageHint(lookup.cause, this.directory)}.`,
              )
            }
          }),
        )
      })
      await Promise.all(reads)
      const next: number[] = []
      frontier.forEach((i, n) => {
        if (found[n] === 1) return
        for (let e = graph.depStart[i]!; e < graph.depStart[i + 1]!; e++) {
          const dependency = graph.depNodes[e]!
          if (seen[dependency] === 1) continue
          seen[dependency] = 1
          next.push(dependency)
        }
      })
      frontier = next
    }
    // A damaged pack holds many entries: the first few are named, the rest counted.
    for (const warning of damaged.slice(0, DAMAGED_NAMED)) this.#warn(warning)
    if (damaged.length > DAMAGED_NAMED) {
      this.#warn(
        `${damaged.length - DAMAGED_NAMED} more cache entries in ${this.directory} could not be read either: their tasks run again, and their results are stored anew.`,
      )
    }
    return known
  }
}

// Damaged entries a run names in warnings; more are counted in one.
const DAMAGED_NAMED = 3

// An entry lists its dependencies, for `taskgraph cache why`, unless it has more than this.
const MAX_RECIPE_DEPENDENCIES = 32

/** What a `Session` is told to do beyond its graph and store. */
interface SessionRules {
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
class Session implements CacheSession {
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
      // Its function's recipe is written first: a later run looks up only the tasks of
      // functions that have one. An entry whose recipe could not be written is not kept.
      const cacheKey = this.keys.key(i)
      const bytes = entry.pack()
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
    if (this.#stored === 0) return
    // Only a run that added entries can take the cache past its limits.
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

/** The most bytes a result that cost `costMs` to make may take to be worth keeping. */
function maxBytes(costMs: number): number {
  return (costMs - READ_MS) * READ_BYTES_PER_MS
}

/** What reading back an entry of `bytes` bytes costs, in ms. */
function readBackMs(bytes: number): number {
  return READ_MS + bytes / READ_BYTES_PER_MS
}

/** The session of a run whose cache has no directory to use: it reads and stores nothing. */
const UNUSABLE: CacheSession = {
  known: new Map(),
  stores: () => false,
  completed: () => {},
  close: () => Promise.resolve(),
}

const LIMIT_NAMES = ['maxSize', 'maxAge']
const OPTION_NAMES = ['store', 'onWarning', ...LIMIT_NAMES]

/**
 * `limits`, if each is a number of bytes or milliseconds, 0 or more (0 keeps nothing, as
 * `taskgraph cache prune --max-size 0` empties a cache; `Infinity`: no limit).
 */
function checkLimits(caller: string, limits: CacheLimits): CacheLimits {
  for (const name of LIMIT_NAMES as (keyof CacheLimits)[]) {
    const value = limits[name]
    if (value !== undefined && !(typeof value === 'number' && value >= 0)) {
      const unit = name === 'maxSize' ? 'bytes' : 'milliseconds'
      throw new InvalidOptionError({
        message: `${caller}: option "${name}" must be a number of ${unit}, 0 or more (Infinity for no limit), not ${describeValue(value)}.`,
      })
    }
  }
  return limits
}

/** `tell`, called on its first call only. */
function tellOnce<T>(tell: (value: T) => void): (value: T) => void {
  let told = false
  return (value) => {
    if (told) return
    told = true
    tell(value)
  }
}
