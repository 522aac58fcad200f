import { InvalidArgumentError, errorText } from '../errors.js'
import { hasBrand, isFutureBranded } from './brand.js'
import type { Delayed } from './delayed.js'
import { isDelayed } from './is-delayed.js'
import { sparseIndices } from '../sparse-arrays.js'

/**
 * `Nested` values are recognised by a brand, as `Delayed` ones are (see brand.ts): the
 * arguments a copy of taskgraph recorded are resolved by any other copy in the process.
 */
const NESTED = Symbol.for('taskgraph.nested')

/**
 * Task arguments are recorded at call time and resolved at run time. Recording copies
 * every array or plain object on a path to a `Delayed` (so later mutation by the caller
 * cannot change the task) and wraps the copy in `Nested`; containers without a `Delayed`
 * inside are kept by reference and never walked again. Resolving walks only `Delayed`
 * and `Nested` values, in the same order as recording, so the k-th `Delayed` met is the
 * k-th entry of the task's `refs`.
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
 * Records `args` in place: nested containers holding a `Delayed` are replaced by `Nested`
 * copies, and every `Delayed` met is appended to `refs`. Returns whether any argument
 * is `Nested` (otherwise `Delayed` appear only at the top level).
 */
export function recordArgs(args: unknown[], refs: Delayed[], caller: string): boolean {
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
    recorder ??= new Recorder(refs, caller)
    const recorded = recorder.record(arg, 0)
    if (recorded !== arg) {
      args[i] = recorded
      deep = true
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

  constructor(
    private readonly refs: Delayed[],
    private readonly caller: string,
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
    const result = array ? this.recordArray(value, depth) : this.recordObject(value, depth)
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
    if (this.free.has(value)) return value
    const reached = new Set<object>()
    if (!holdsDelayed(value, reached)) {
      // Each container reached holds no Delayed either: no other cycle walks them again.
      for (const container of reached) this.free.add(container)
      return value
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
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item = this.recordItem(this.read(value, i), depth)
      if (copy === undefined && this.refs.length !== before) copy = value.slice(0, i)
      copy?.push(item)
    }
    return copy === undefined ? value : new Nested(copy)
  }

  /** `recordArray` over the elements of an array of holes; a copy keeps the holes. */
  private recordSparse(value: unknown[], indices: number[], depth: number): unknown {
    const before = this.refs.length
    let copy: unknown[] | undefined
    for (const i of indices) {
      const item = this.recordItem(this.read(value, i), depth)
      if (copy === undefined && this.refs.length !== before) copy = value.slice(0, i)
      if (copy !== undefined) copy[i] = item
    }
    if (copy === undefined) return value
    copy.length = value.length
    return new Nested(copy)
  }

  private recordObject(value: Record<string, unknown>, depth: number): unknown {
    const before = this.refs.length
    let copy: Record<string, unknown> | undefined
    const keys = this.keysOf(value)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const item = this.recordItem(this.read(value, key), depth)
      if (copy === undefined && this.refs.length !== before) {
        copy = {}
        for (let j = 0; j < i; j++) setOwn(copy, keys[j]!, this.read(value, keys[j]!))
      }
      if (copy !== undefined) setOwn(copy, key, item)
    }
    return copy === undefined ? value : new Nested(copy)
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
