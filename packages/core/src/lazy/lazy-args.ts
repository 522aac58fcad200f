import { types } from 'node:util'
import { InvalidArgumentError, errorText } from '../errors.js'
import { hasBrand, isFutureBranded } from './brand.js'
import type { Delayed } from './delayed.js'
import { isDelayed } from './is-delayed.js'
import { sparseIndices } from '../sparse-arrays.js'
import { hasExtras } from '../array-extras.js'

/**
 * `Nested` values are recognised by a brand, as `Delayed` ones are (see brand.ts): the
 * arguments a copy of taskgraph recorded are resolved by any other copy in the process.
 */
const NESTED = Symbol.for('taskgraph.nested')

/**
 * Task arguments are recorded at call time and resolved at run time. Recording copies
 * every array and plain object, at any depth, as Dask copies lists and dicts, so that
 * what the caller changes afterwards (an array it empties to fill again) does not change
 * the task; a copy on a path to a `Delayed` is wrapped in `Nested`. What a copy would
 * not keep is passed as it is: other objects (typed arrays, `Map`, class instances), an
 * array with properties of its own besides its elements, a plain object with symbol keys,
 * properties that are not enumerable or frozen, data that holds itself.
 * Resolving walks only `Delayed` and `Nested` values, in the same order as recording, so
 * the k-th `Delayed` met is the k-th entry of the task's `refs`.
 */
export class Nested {
  constructor(readonly value: unknown[] | Record<string, unknown>) {}
  static {
    Object.defineProperty(this.prototype, NESTED, { value: true })
  }
}

/** Whether `value` is a recorded container, whichever copy of taskgraph recorded it. */
export function isNested(value: unknown): value is Nested {
  return hasBrand(value, NESTED)
}

const MAX_DEPTH = 2000

/**
 * Data nested deeper than this, holding no `Delayed`, is kept as it is, not copied: each
 * level copied is a few frames of the call stack, which deeper data would run out of.
 */
const COPY_DEPTH = 500

/**
 * Is `value` an object literal (or `Object.create(null)`), the only objects we traverse
 * besides arrays? A Proxy whose prototype cannot be read (a revoked one) is not: passed
 * as it is, it fails where it is used, as a class instance would. The one test of a plain
 * record in taskgraph: the scheduler's walks over task data use it too.
 */
export function isPlainObject(value: object): value is Record<string, unknown> {
  try {
    const proto: unknown = Object.getPrototypeOf(value)
    return proto === Object.prototype || proto === null
  } catch {
    return false
  }
}

/** `Array.isArray(value)`, false for a revoked Proxy (which makes it throw). */
function isArray(value: object): value is unknown[] {
  try {
    return Array.isArray(value)
  } catch {
    return false
  }
}

/**
 * Records `args` in place: arrays and plain objects are replaced by copies (`Nested`
 * ones if they hold a `Delayed`; only those with `copies: false`, for a value that is
 * checked, not kept), and every `Delayed` met is appended to `refs`. Returns whether any
 * argument is `Nested` (otherwise `Delayed` appear only at the top level).
 */
export function recordArgs(
  args: unknown[],
  refs: Delayed[],
  caller: string,
  { copies = true }: { readonly copies?: boolean } = {},
): boolean {
  let deep = false
  let recorder: Recorder | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (typeof arg !== 'object' || arg === null) continue
    if (isDelayed(arg)) {
      refs.push(arg)
      continue
    }
    if (isFutureBranded(arg)) throw futureArgument(caller)
    recorder ??= new Recorder(refs, caller, copies)
    const recorded = recorder.record(arg, 0)
    if (recorded !== arg) {
      args[i] = recorded
      if (isNested(recorded)) deep = true
    }
  }
  return deep
}

/** Marks a container whose recording is under way: meeting it again closes a cycle. */
const IN_PROGRESS = Symbol('in progress')

/**
 * Records one call's arguments. Each container is walked once: a container met again
 * (shared data, or a cycle) reuses its first recording, so data shaped like a DAG or a
 * doubly linked list costs its size, not the number of paths through it. The `Delayed`
 * values inside are recorded once, at the first meeting.
 */
class Recorder {
  private readonly seen = new Map<object, unknown>()
  /** Containers known to hold no `Delayed` at any depth (see `closesCycle`). */
  private readonly free = new Set<object>()
  /** The depth of each container being recorded (on the current path). */
  private readonly path = new Map<object, number>()
  /**
   * The least depth of a container on the path that a cycle met in the container being
   * recorded closes at: that container, and those between, hold themselves.
   */
  private closedAt = Infinity

  constructor(
    private readonly refs: Delayed[],
    private readonly caller: string,
    /** Whether containers without a `Delayed` are copied too (see `recordArgs`). */
    private readonly copies: boolean,
  ) {}

  record(value: object, depth: number): unknown {
    const array = isArray(value)
    if (!array && !isPlainObject(value)) return value
    const seen = this.seen.get(value)
    // A container on the current path is a reference cycle in the caller's data. One
    // recorded before gives the same result; resolving resolves that result once too, so
    // sharing survives and the `Delayed` values stay in step.
    if (seen === IN_PROGRESS) return this.closesCycle(value)
    if (seen !== undefined) return seen
    if (depth > COPY_DEPTH && !holdsDelayed(value)) return value
    if (depth > MAX_DEPTH) {
      // Data this deep is walked with a stack of its own: without a Delayed inside, it is
      // kept as it is; a Delayed this deep is refused.
      if (!holdsDelayed(value)) return value
      throw new InvalidArgumentError({
        message:
          `${this.caller}: an argument holds a Delayed nested in arrays or objects more than ${MAX_DEPTH} levels deep. ` +
          'Pass the Delayed nearer the top of the argument.',
      })
    }
    this.seen.set(value, IN_PROGRESS)
    this.path.set(value, depth)
    const outer = this.closedAt
    this.closedAt = Infinity
    const before = this.refs.length
    let result = array ? this.recordArray(value, depth) : this.recordObject(value, depth)
    const closedAt = this.closedAt
    // On a cycle without a `Delayed`: passed as it is, holding itself (a copy would hold
    // the original part of the way round). A cycle closing further up is that one's too.
    if (closedAt <= depth && this.refs.length === before) result = value
    this.closedAt = Math.min(outer, closedAt < depth ? closedAt : Infinity)
    this.path.delete(value)
    this.seen.set(value, result)
    return result
  }

  /**
   * `value`, met again while it is recorded: a cycle without a `Delayed` is kept as an
   * opaque value, passed by reference. One with a `Delayed` is refused: the copy that
   * gets the results would have to hold itself, and the original, which holds the cycle
   * instead, would give a result half made of `Delayed` values.
   */
  private closesCycle(value: object): unknown {
    const free = (): object => {
      this.closedAt = Math.min(this.closedAt, this.path.get(value)!)
      return value
    }
    if (this.free.has(value)) return free()
    const reached = new Set<object>()
    if (!holdsDelayed(value, reached)) {
      // Each container reached holds no Delayed either: no other cycle walks them again.
      for (const container of reached) this.free.add(container)
      return free()
    }
    throw new InvalidArgumentError({
      message:
        `${this.caller}: a Delayed is inside a cycle (an array or object that holds itself), where it cannot be replaced by its result. ` +
        'Break the cycle, or keep the Delayed values outside it.',
    })
  }

  private recordArray(value: unknown[], depth: number): unknown {
    const sparse = sparseIndices(value)
    if (sparse !== undefined) return this.recordSparse(value, sparse, depth)
    const before = this.refs.length
    const length = value.length
    // Made once an element is replaced (a `Delayed`, a container copied); else, if the
    // array is to be copied, sliced at the end: the walk alone costs a tenth of a copy.
    let copy: unknown[] | undefined
    let copyable: boolean | undefined
    for (let i = 0; i < length; i++) {
      const element = this.read(value, i)
      const item = this.recordItem(element, depth)
      if (
        copy === undefined &&
        (this.refs.length !== before || (item !== element && (copyable ??= this.copyable(value))))
      ) {
        copy = value.slice(0, i)
      }
      copy?.push(item)
    }
    if (this.refs.length !== before) return new Nested(copy!)
    return copy ?? ((copyable ?? this.copyable(value)) ? value.slice() : value)
  }

  /** `recordArray` over the elements of an array of holes; a copy keeps the holes. */
  private recordSparse(value: unknown[], indices: number[], depth: number): unknown {
    const before = this.refs.length
    const items = new Array<unknown>(indices.length)
    for (let k = 0; k < indices.length; k++) {
      items[k] = this.recordItem(this.read(value, indices[k]!), depth)
    }
    const nested = this.refs.length !== before
    if (!nested && !this.copyable(value)) return value
    // Made by index, not sliced: a slice of `a[1e9] = x` may walk a billion holes.
    const copy = new Array<unknown>(value.length)
    for (let k = 0; k < indices.length; k++) copy[indices[k]!] = items[k]
    return nested ? new Nested(copy) : copy
  }

  private recordObject(value: Record<string, unknown>, depth: number): unknown {
    const before = this.refs.length
    const keys = this.keysOf(value)
    const items = new Array<unknown>(keys.length)
    for (let i = 0; i < keys.length; i++)
      items[i] = this.recordItem(this.read(value, keys[i]!), depth)
    const nested = this.refs.length !== before
    if (!nested && (!this.copyable(value) || hasHiddenKeys(value, keys.length))) return value
    // What the walk read, each property once (a getter's value), and an object without a
    // prototype stays one. A `Nested` copy's prototype is left to its resolving.
    const copy: Record<string, unknown> =
      !nested && Object.getPrototypeOf(value) === null
        ? (Object.create(null) as Record<string, unknown>)
        : {}
    for (let i = 0; i < keys.length; i++) setOwn(copy, keys[i]!, items[i])
    return nested ? new Nested(copy) : copy
  }

  /**
   * Whether `value`, holding no `Delayed`, is copied: not for a check (`copies` false),
   * nor a Proxy, whose content is whatever its traps answer when the task reads it, nor
   * an array with properties of its own (a RegExp match's `index`), which a copy of its
   * elements would leave out.
   */
  private copyable(value: object): boolean {
    return (
      this.copies &&
      !types.isProxy(value) &&
      !(Array.isArray(value) && hasExtras(value as unknown[]))
    )
  }

  /**
   * `Object.keys(value)`; a Proxy whose `ownKeys` trap throws is the caller's error, as a
   * getter that throws is (see `read`), not a bare one from inside.
   */
  private keysOf(value: Record<string, unknown>): string[] {
    try {
      return Object.keys(value)
    } catch (error) {
      throw new InvalidArgumentError({
        message:
          `${this.caller}: reading the keys of an argument threw (${errorText(error)}): a call reads the arrays and plain objects it is given, to find the Delayed values in them. ` +
          'Pass plain data, or an instance of a class of yours, which is passed as it is without being read.',
        cause: error,
      })
    }
  }

  /**
   * `value[key]`; a getter that throws (or a Proxy's trap) is the caller's error, not a
   * bare one from inside.
   */
  private read(value: Record<string, unknown> | unknown[], key: string | number): unknown {
    try {
      return (value as Record<string | number, unknown>)[key]
    } catch (error) {
      const what = typeof key === 'number' ? `element ${key}` : `property ${JSON.stringify(key)}`
      throw new InvalidArgumentError({
        message:
          `${this.caller}: reading ${what} of an argument threw (${errorText(error)}): a call reads the arrays and plain objects it is given, to find the Delayed values in them. ` +
          'Pass plain data, or an instance of a class of yours, which is passed as it is without being read.',
        cause: error,
      })
    }
  }

  private recordItem(item: unknown, depth: number): unknown {
    if (typeof item !== 'object' || item === null) return item
    if (isDelayed(item)) {
      this.refs.push(item)
      return item
    }
    if (isFutureBranded(item)) throw futureArgument(this.caller)
    return this.record(item, depth + 1)
  }
}

/**
 * Whether a plain object holds more than a copy of its enumerable string keys keeps: a
 * symbol key, a property that is not enumerable, or being frozen, sealed or closed to new
 * properties. It is passed as it is, as the task would otherwise miss what it reads of it
 * (`config[Symbol.for('id')]`).
 */
function hasHiddenKeys(value: object, enumerable: number): boolean {
  // Not `Reflect.ownKeys`: V8 lists names from a cache, symbols apart, ten times faster.
  return (
    !Object.isExtensible(value) ||
    Object.getOwnPropertyNames(value).length !== enumerable ||
    Object.getOwnPropertySymbols(value).length > 0
  )
}

/**
 * A future met among a task's arguments: the task would get the future itself, not its
 * result (on inline and async; pools refuse to copy it), and a graph cannot wait for work
 * that runs outside it.
 */
function futureArgument(caller: string): InvalidArgumentError {
  return new InvalidArgumentError({
    message:
      `${caller}: an argument is a Future (from submit), which a Delayed cannot wait for: the task would be given the future, not its result. ` +
      'Await the future first and pass its result, or submit the task too: submit(fn, future) waits for it.',
  })
}

/**
 * Whether `root` is, or holds in its arrays and plain objects at any depth, a `Delayed`;
 * `seen` gets the containers walked. A getter that throws holds no Delayed while a call
 * records its arguments (recording the value reports it: `read`); `getterErrors` lets
 * its error out instead, for a question asked of a value no call records.
 */
function holdsDelayed(root: object, seen = new Set<object>(), getterErrors = false): boolean {
  return find(root, isDelayed, seen, getterErrors) !== undefined
}

/** The first value `wanted` is true of that `root` is, or holds in arrays and plain objects. */
function find(
  root: object,
  wanted: (value: object) => boolean,
  seen: Set<object>,
  getterErrors: boolean,
): object | undefined {
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value !== 'object' || value === null || seen.has(value)) continue
    if (wanted(value)) return value
    seen.add(value)
    if (isArray(value)) {
      const sparse = sparseIndices(value)
      if (sparse === undefined) for (const item of value) pushObject(stack, item)
      else for (const i of sparse) pushObject(stack, value[i])
    } else if (isPlainObject(value)) {
      let keys: string[]
      try {
        keys = Object.keys(value)
      } catch (error) {
        // A Proxy's `ownKeys` trap, as a getter: the recording call reports it.
        if (getterErrors) throw error
        continue
      }
      for (const key of keys) {
        try {
          stack.push(value[key])
        } catch (error) {
          if (getterErrors) throw error
        }
      }
    }
  }
  return undefined
}

/** Pushes `item` if it is an object: primitives (holes among them) cannot hold a Delayed. */
function pushObject(stack: unknown[], item: unknown): void {
  if (typeof item === 'object' && item !== null) stack.push(item)
}

// Assignment would invoke the `__proto__` setter for a key named "__proto__".
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  } else {
    target[key] = value
  }
}

/**
 * Resolves recorded arguments: the k-th `Delayed` met becomes `results[refNodes[start + k]]`.
 */
export function resolveArgs(
  args: readonly unknown[],
  deep: boolean,
  results: ArrayLike<unknown>,
  refNodes: Int32Array,
  start: number,
): unknown[] {
  const out = new Array<unknown>(args.length)
  if (!deep) {
    let k = start
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]
      out[i] = isDelayed(arg) ? results[refNodes[k++]!] : arg
    }
    return out
  }
  const resolver = new Resolver(results, refNodes, start)
  for (let i = 0; i < args.length; i++) out[i] = resolver.resolve(args[i])
  return out
}

/** Resolves nested arguments; a `Nested` met again (shared data) gives its first result. */
class Resolver {
  private readonly done = new Map<Nested, unknown>()

  constructor(
    private readonly results: ArrayLike<unknown>,
    private readonly refNodes: Int32Array,
    private k: number,
  ) {}

  resolve(value: unknown): unknown {
    if (isDelayed(value)) return this.results[this.refNodes[this.k++]!]
    if (!isNested(value)) return value
    const done = this.done.get(value)
    if (done !== undefined) return done
    const inner = value.value
    let out: unknown[] | Record<string, unknown>
    const sparse = Array.isArray(inner) ? sparseIndices(inner) : undefined
    if (sparse !== undefined) {
      // Holes stay holes: only the elements are resolved, in the order they were recorded.
      out = new Array<unknown>((inner as unknown[]).length)
      for (const i of sparse) out[i] = this.resolve((inner as unknown[])[i])
    } else if (Array.isArray(inner)) {
      out = new Array<unknown>(inner.length)
      for (let i = 0; i < inner.length; i++) out[i] = this.resolve(inner[i])
    } else {
      out = {}
      for (const key of Object.keys(inner)) setOwn(out, key, this.resolve(inner[key]))
    }
    this.done.set(value, out)
    return out
  }
}

/**
 * Whether `value` is, or holds in arrays and plain objects, a `Delayed`. A question, not a
 * recording: a `Delayed` too deep or inside a cycle is found, for the call that records
 * `value` to refuse; a getter that throws throws here (a workflow's default export).
 */
export function containsDelayed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && holdsDelayed(value, new Set(), true)
}

/**
 * The first `Delayed` or future (from `submit`) that `value` is, or holds in arrays and
 * plain objects: what data no call records (a bag's items) cannot hold, found in one
 * walk. A getter that throws throws here, as for `containsDelayed`.
 */
export function findLazy(value: unknown): object | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  return find(value, (item) => isDelayed(item) || isFutureBranded(item), new Set(), true)
}

/**
 * Whether `value` is, or holds in arrays and plain objects, a future (from `submit`): for
 * a call that makes tasks of what it is given (`parallelMap`'s items) to refuse it in
 * its own words, before a task records it. A getter that throws holds none here: the
 * task recording the value reports it.
 */
export function holdsFuture(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  return find(value, isFutureBranded, new Set(), false) !== undefined
}
