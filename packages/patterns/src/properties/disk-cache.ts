import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { DefaultDeserializer, deserialize, serialize } from 'node:v8'
import { isMainThread, threadId } from 'node:worker_threads'
import { InvalidOptionError } from '@taskgraph/core'
import { describeValue, errorText, fileInTheWay, makeDirectorySync } from '@taskgraph/core/internal'
import { findCloneProblem, type CloneCheck } from '@taskgraph/scheduler/wire'

// Property values kept on disk (ΦML's `cache_dir` and `memory_limit`): a value whose V8
// serialization is larger than the limit is written to a file by the task that made it,
// in its worker, and crosses to the tasks that need it as a small reference to that file.

/** Options of `parallelCompute` and `delayedProperties` that keep large values on disk. */
export interface CacheOptions {
  /**
   * A directory for property values larger than `memoryLimit`. Each run writes into a
   * directory of its own inside it, removed when the run ends (see `parallelCompute`).
   * @default no caching: every value stays in memory
   */
  cacheDir?: string
  /**
   * Bytes a property value (of one element, or of a whole-batch property) may take in
   * memory, measured by its V8 serialization; larger values go to `cacheDir`.
   * @default 0 when `cacheDir` is set: every value goes to disk
   */
  memoryLimit?: number
}

/** Where one graph's values go, and from what size. */
export interface CachePlan {
  /** The graph's own directory, inside `cacheDir`; made by the first value written. */
  readonly dir: string
  readonly limit: number
}

/** Where one task's value goes if it is too large. */
export interface CacheSlot extends CachePlan {
  /** File name within `dir`. */
  readonly file: string
}

/** Marks a reference to a value on disk; a plain object, so it crosses to workers. */
const FILE = '__taskgraph_cached_file__'

interface CacheRef {
  readonly [FILE]: string
  readonly bytes: number
  /** The process and thread that wrote the file (see `load`). */
  readonly pid: number
  readonly thread: number
}

/** The references this thread made, as made: not copies (see `load`). */
const made = new WeakSet<object>()

/** The names `CacheOptions` has. */
export const CACHE_OPTION_NAMES: readonly string[] = ['cacheDir', 'memoryLimit']

/** Checks the cache options; `undefined` when values stay in memory. */
export function cachePlan(caller: string, options: CacheOptions): CachePlan | undefined {
  const { cacheDir, memoryLimit } = options
  if (memoryLimit !== undefined && !(typeof memoryLimit === 'number' && memoryLimit >= 0)) {
    throw new InvalidOptionError({
      message: `${caller}: option "memoryLimit" must be a number of bytes (0 or more), got ${describeValue(memoryLimit)}.`,
    })
  }
  if (cacheDir === undefined) {
    if (memoryLimit !== undefined) {
      throw new InvalidOptionError({
        message: `${caller}: option "memoryLimit" needs "cacheDir", the directory where larger values go.`,
      })
    }
    return undefined
  }
  if (typeof cacheDir !== 'string' || cacheDir === '') {
    throw new InvalidOptionError({
      message: `${caller}: option "cacheDir" must be a directory path, got ${describeValue(cacheDir)}.`,
    })
  }
  // A file there (or on the way to it) would fail the first task that keeps a value, with
  // the file system's ENOTDIR: told here, before anything runs.
  const blocked = fileInTheWay(cacheDir)
  if (blocked !== undefined) {
    throw new InvalidOptionError({
      message: `${caller}: option "cacheDir" names ${cacheDir}, but ${blocked} is a file, not a directory. Give a directory (one that is missing is made).`,
    })
  }
  return { dir: join(resolve(cacheDir), `properties-${randomUUID()}`), limit: memoryLimit ?? 0 }
}

/** The file name for property `name` (of element `index`, for a per-element property). */
export function slotFor(plan: CachePlan, name: string, index?: number): CacheSlot {
  const base = encodeURIComponent(name)
  return { ...plan, file: index === undefined ? `${base}.v8` : `${base}[${index}].v8` }
}

/** What a file would not give back as it was: shared memory, a class instance (see `keep`). */
const ON_DISK: CloneCheck = { sameProcess: false, exact: true }

/**
 * `value`, or a reference to the file it was written to if it is larger than the limit.
 * A value a file would not give back as it was (a function or a symbol, which cannot be
 * written; a class instance, which would come back a plain object) stays in memory, as
 * without a cache: the executor keeps it, or reports it as it reports any value a worker
 * cannot send back.
 */
export function keep(value: unknown, slot: CacheSlot): unknown {
  let bytes: Buffer
  try {
    bytes = serialize(value)
  } catch {
    return value
  }
  if (bytes.byteLength <= slot.limit || findCloneProblem(value, 'value', ON_DISK) !== undefined)
    return value
  makeDirectorySync(slot.dir)
  const path = join(slot.dir, slot.file)
  writeFileSync(path, bytes)
  const ref: CacheRef = {
    [FILE]: path,
    bytes: bytes.byteLength,
    pid: process.pid,
    thread: threadId,
  }
  made.add(ref)
  return ref
}

/**
 * The value itself, read from its file if `value` is a reference to one in `dir`, the
 * graph's own directory (`undefined`: the graph keeps values in memory). A value that
 * only looks like a reference (one a property returned) is left as it is: a reference
 * names a file in a directory whose name no value knows beforehand.
 *
 * What is read is what the value would have been had it crossed in memory. A reference
 * copied within its process crossed between threads (from another thread, or from this
 * worker thread and back), as a structured clone, which hands a Node `Buffer` over as a
 * `Uint8Array`: so do the Buffers in its file. The messages between processes keep a
 * Buffer, as the file does (a worker process's reference that came back to it came
 * through them), and a reference not copied, as in a fused chain or on `inline`, stood
 * for the value itself.
 */
export function load(value: unknown, dir: string | undefined): unknown {
  if (dir === undefined || !isCacheRef(value) || dirname(value[FILE]) !== dir) return value
  const bytes = readFileSync(value[FILE])
  const cloned =
    !made.has(value) && value.pid === process.pid && (value.thread !== threadId || !isMainThread)
  if (!cloned) return deserialize(bytes)
  const deserializer = new CopiedDeserializer(bytes)
  deserializer.readHeader()
  return deserializer.readValue()
}

/** The hook of Node's `v8.Deserializer` for host objects, which its types leave out. */
interface HostObjectReader {
  readonly _readHostObject: (this: DefaultDeserializer) => unknown
}

/** Node's own reading of views of binary data, which makes a Buffer a Buffer. */
const readView = (DefaultDeserializer.prototype as unknown as HostObjectReader)._readHostObject

/** Reads Node's serialization of a value as a copy between threads gives it: no Buffer. */
class CopiedDeserializer extends DefaultDeserializer {
  /** Called for each view of binary data. */
  _readHostObject(): unknown {
    const view = readView.call(this)
    return Buffer.isBuffer(view) ? new Uint8Array(view.buffer, view.byteOffset, view.length) : view
  }
}

/**
 * Removes a graph's directory and the values in it. One that cannot be removed (its
 * rights changed meanwhile) is told of as a warning: neither the run's result nor its
 * own failure is lost to it.
 */
export function removeCache(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true })
  } catch (error) {
    process.emitWarning(
      `the directory of a run's property values, ${dir}, could not be removed (${errorText(error)}); remove it by hand.`,
      { code: 'TASKGRAPH_PROPERTIES_CACHE' },
    )
  }
}

function isCacheRef(value: unknown): value is CacheRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype &&
    typeof (value as Partial<CacheRef>)[FILE] === 'string'
  )
}
