import { resolve } from 'node:path'
import { InvalidOptionError } from '@taskgraph/core'
import {
  TaskGraph,
  checkOptionNames,
  describeValue,
  fileInTheWay,
  fileInTheWayText,
} from '@taskgraph/core/internal'
import type { CacheSession, ResultCache } from '@taskgraph/scheduler'
import type { CacheLimits } from './cache-units.js'
import { DiskCache } from './disk-cache.js'
import type { CacheEntry } from './list-entries.js'
import {
  CacheAccessError,
  NOT_A_DIRECTORY_FIX,
  asAccessError,
  damageHint,
} from './cache-access-error.js'
import { explainKey } from './explain-key.js'
import { Session } from './cache-session.js'
import { UnknownTaskError } from './unknown-task-error.js'
import { TaskKeys } from './task-keys.js'
import { SourceFingerprints } from './source-fingerprints.js'
import { shown } from './shown-path.js'
import { notADirectory } from './not-a-directory.js'
import { foreignDirectory } from './foreign-directory.js'
import { NotACacheError } from './not-a-cache-error.js'

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
   * @throws {NotACacheError} if `directory` holds what no cache makes (a project's files),
   * without the CACHEDIR.TAG a cache writes
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
    const blocked = fileInTheWay(this.directory)
    if (blocked !== undefined) {
      throw new InvalidOptionError({
        message: `${caller}: ${this.directory} is not a directory (${fileInTheWayText(this.directory, blocked)}). Give the cache a directory: one that is missing is made.`,
      })
    }
    this.#refuseForeign(caller)
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
    const blocked = fileInTheWay(this.directory)
    if (blocked !== undefined) {
      this.#warn(
        `cache: ${this.directory} is not a directory any more (${fileInTheWayText(this.directory, blocked)}), so this run reads nothing from it and stores nothing in it: ${NOT_A_DIRECTORY_FIX}.`,
      )
      return UNUSABLE
    }
    // Files put in it since, by hand: the run neither writes there nor prunes it.
    const foreign = foreignDirectory(this.directory)
    if (foreign !== undefined) {
      this.#warn(`cache: ${foreign}. This run reads nothing from it and stores nothing in it.`)
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
    // By the wall clock, which files are dated by: a long-lived process's performance
    // clock drifts from it.
    store.writeWhile(this.#codeUnchanged(fingerprints, Date.now()))
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
   * Whether the task with key `task` among what `targets` needs would be read from the
   * cache, and if not, why, as lines of text: what `taskgraph cache why` prints.
   * `targets` is what a run would compute: a `Delayed`, or an array or plain object
   * holding them. Nothing is run.
   * @example
   * console.log((await cache.explain(report, report.key)).join('\n'))
   * @throws {UnknownTaskError} if no task they need has that key
   * @throws {InvalidOptionError} if `task` is not a string
   * @throws {CacheAccessError} if the directory cannot be read, or is a file now
   */
  async explain(targets: unknown, task: string): Promise<string[]> {
    if (typeof task !== 'string') {
      throw new InvalidOptionError({
        message: `TaskCache.explain: the task's key must be a string, not ${describeValue(task)}. Give the key of a task of the targets (delayed.key).`,
      })
    }
    // The CLI hands over the graph it collected from a workflow's targets.
    const graph =
      targets instanceof TaskGraph ? targets : TaskGraph.collect('TaskCache.explain', [targets])
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
   * @throws {NotACacheError} if it holds what no cache makes now
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
   * @throws {NotACacheError} if it holds what no cache makes now
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
   * @throws {NotACacheError} if it holds what no cache makes now (nothing is removed)
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
    this.#refuseForeign(call)
  }

  /**
   * Throws `NotACacheError` for `call` if the directory holds what no cache makes
   * (see foreign-directory.ts): a project's, whose own files a prune or a clear would take.
   */
  #refuseForeign(call: string): void {
    const foreign = foreignDirectory(this.directory)
    if (foreign !== undefined) throw new NotACacheError(call, this.directory, foreign)
  }

  /**
   * Whether the files `fingerprints` read are as they were at `openedAt`: asked before
   * results are written, once their tasks have ended. A file written since (however it
   * is dated) may have reached a task: a pool's worker started after it (one replacing a
   * worker that died) loads the code as it reads now, while the keys hold it as it was.
   * Once one has, the run stores nothing more, and says so once.
   */
  #codeUnchanged(fingerprints: SourceFingerprints, openedAt: number): () => boolean {
    let changed: string | undefined
    return () => {
      if (changed !== undefined) return false
      changed = fingerprints.changedSince(openedAt)
      if (changed === undefined) return true
      this.#warn(
        `cache: ${shown(changed)}, a file of the workflow's code, changed while the run went on, so the results that ended since are not stored: a worker started after the change runs the code as it reads now, while the keys hold it as it was. Run again to have them stored.`,
      )
      return false
    }
  }

  /** One warning per function and reason for the tasks asked to be cached that cannot be. */
  #warnUnkeyable(graph: TaskGraph, keys: TaskKeys): void {
    const counts = new Map<string, { name: string; reason: string; count: number }>()
    for (const i of keys.unkeyable()) {
      if (graph.spec(i).cache !== true) continue
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
        message: `${caller}: option "${name}" must be a number of ${unit}, 0 or more (Infinity for no limit), not ${typeof value === 'number' ? String(value) : describeValue(value)}.`,
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
