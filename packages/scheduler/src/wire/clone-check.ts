import { types } from 'node:util'
import {
  BINARY_VIEWS,
  describeValue,
  errorText,
  holdsMoreThanContent,
  isPlainObject,
  sparseIndices,
} from '@taskgraph/core/internal'
import { ReadFailed, pathOf, walkData, type Place } from './data-walk.js'

/** A value structured clone would reject or change, and where it sits. */
export interface CloneProblem {
  readonly path: string
  readonly type: string
  /** Why it cannot cross, when there is more to say than that it does not survive a copy. */
  readonly reason?: string
}

/**
 * Levels of nesting past which structured clone runs out of stack (V8's serializer
 * recurses; it fails between 1,000 and 5,000 levels): reported with a path, when a copy
 * failed, instead of a bare RangeError.
 */
const CLONE_DEPTH = 1000

/**
 * Why a call cannot be sent: `problem`, in the arguments of its step `step` (0: the
 * call's own task; 1 on: the tasks fused after it, each checked as its own call).
 */
export interface CallProblem {
  readonly step: number
  readonly problem: CloneProblem
}

/**
 * The first problem `check` finds in a call's arguments, `args`, then in each of its fused
 * `steps`' own (see `CallProblem`).
 */
export function findCallProblem(
  args: readonly unknown[],
  steps: readonly { readonly args: readonly unknown[] }[] | undefined,
  check: (args: readonly unknown[]) => CloneProblem | undefined,
): CallProblem | undefined {
  let problem = check(args)
  if (problem !== undefined) return { step: 0, problem }
  if (steps === undefined) return undefined
  for (let i = 0; i < steps.length; i++) {
    problem = check(steps[i]!.args)
    if (problem !== undefined) return { step: i + 1, problem }
  }
  return undefined
}

/**
 * The problem of step `step`'s arguments (see `CallProblem`) when reading them, to send
 * them, ran code of the caller's that threw (a getter, a Map's own iterator): structured
 * clone reads them too, and would throw the same.
 */
export function readProblem(step: number, error: unknown): CallProblem {
  const reason = `which structured clone reads: ${errorText(error)}`
  return { step, problem: { path: 'args', type: 'a value that throws when read', reason } }
}

/** What `findCloneProblem` looks for. */
export interface CloneCheck {
  /**
   * The other side is a thread of this process (the default). Another process cannot
   * share memory, and taskgraph's messages between processes do not carry Blobs, nor
   * keep an ArrayBuffer resizable.
   */
  readonly sameProcess?: boolean
  /** A copy already failed: also look for what only fails on copying, data nested too deeply. */
  readonly afterFailure?: boolean
  /**
   * The copy must be what was made, to the prototype (a result a cache keeps): also
   * look for what a copy quietly changes, which a result handed on between workers is
   * let through with: an instance of a subclass of a built-in kind (a Map, a Date, an
   * Error), an error's own properties (its code), an object without a prototype, and
   * properties a copy leaves out (symbol keys, properties that are not enumerable).
   */
  readonly exact?: boolean
}

/**
 * The first value in `value` that cannot be copied faithfully between threads or
 * processes, or `undefined`. Structured clone throws on functions, symbols and Proxies,
 * runs getters (which may throw), and turns class instances into plain objects (their
 * methods and private state lost); taskgraph reports each rather than hand a task
 * something other than what was computed.
 */
export function findCloneProblem(
  value: unknown,
  root: string,
  { sameProcess = true, afterFailure = false, exact = false }: CloneCheck = {},
): CloneProblem | undefined {
  let problem: CloneProblem | undefined
  walkData(
    value,
    (item, place) => {
      let found = problemOf(item, sameProcess) ?? (exact ? changeOf(item) : undefined)
      if (found === undefined && afterFailure && (place?.depth ?? 0) > CLONE_DEPTH) {
        found = {
          type: 'data nested more than a thousand levels deep',
          reason: 'which structured clone cannot copy (it runs out of stack)',
        }
      }
      if (found === undefined && afterFailure && Array.isArray(item) && !types.isProxy(item)) {
        problem = namedMemberProblem(item, root, place, { sameProcess, afterFailure, exact })
        return problem === undefined ? undefined : 'stop'
      }
      if (found === undefined) return undefined
      problem = { ...found, path: pathOf(root, place) }
      return 'stop'
    },
    true,
  )
  return problem
}

/**
 * The first problem in the named properties of `array` (`items.total = fn`), which a
 * copy writes beside its elements but walks over data leave out: looked for only once a
 * copy failed, since listing an array's keys makes a string per element.
 */
function namedMemberProblem(
  array: unknown[],
  root: string,
  place: Place | undefined,
  check: CloneCheck,
): CloneProblem | undefined {
  let keys: string[]
  try {
    keys = Object.keys(array)
  } catch {
    return undefined
  }
  const depth = (place?.depth ?? 0) + 1
  for (const key of keys) {
    if (String(Number(key)) === key && Number(key) < array.length) continue
    const at: Place = { parent: place, step: key, kind: 'key', depth }
    // A getter that throws is the problem, as a plain object's is (see `walkData`).
    let member: unknown
    try {
      member = (array as unknown as Record<string, unknown>)[key]
    } catch (error) {
      member = new ReadFailed(error)
    }
    const found = findCloneProblem(member, pathOf(root, at), check)
    if (found !== undefined) return found
  }
  return undefined
}

function problemOf(value: unknown, sameProcess: boolean): Omit<CloneProblem, 'path'> | undefined {
  if (typeof value === 'function' || typeof value === 'symbol') {
    return { type: describeValue(value) }
  }
  const object = value as object
  if (types.isProxy(object))
    return { type: 'a Proxy', reason: 'which structured clone cannot copy' }
  if (object instanceof ReadFailed) {
    return {
      type: 'a property whose getter throws',
      reason: `which structured clone reads: ${errorText(object.error)}`,
    }
  }
  if (Array.isArray(object) || isPlainObject(object)) return undefined
  if (object instanceof Map || object instanceof Set) return undefined
  // Structured clone refuses it between threads; a process's serializer would write it
  // as an empty buffer: the same value fails alike on both.
  if (holdsDetachedBuffer(object)) {
    return {
      type: 'a detached ArrayBuffer (or a view of one)',
      // A result moves from a worker thread without a copy (docs/executors.md): a task
      // that returns an array it keeps (a module's table, a memo) finds it so next time.
      reason:
        'whose memory was transferred away, which structured clone cannot copy (a typed array a task returns on threads moves to the main thread and is emptied where it was: return a new array or a copy, array.slice(), rather than one the task keeps)',
    }
  }
  if (!sameProcess) {
    const shared =
      object instanceof SharedArrayBuffer ||
      (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer)
    if (shared) {
      return {
        type: 'a SharedArrayBuffer',
        reason: 'and shared memory cannot reach another process',
      }
    }
    if (object instanceof Blob) {
      return { type: 'a Blob', reason: 'which the messages between processes cannot carry' }
    }
    const buffer = ArrayBuffer.isView(object) ? object.buffer : object
    if ((buffer as { resizable?: unknown }).resizable === true) {
      return {
        type: 'a resizable ArrayBuffer',
        reason: 'which the messages between processes carry as one of fixed size',
      }
    }
  }
  if (object instanceof Error && causeLeadsBack(object)) {
    return {
      type: 'an error whose cause leads back to itself',
      reason: 'which structured clone writes but cannot read back',
    }
  }
  if (isCloneableAsIs(object)) return undefined
  return { type: describeValue(object) }
}

/**
 * Whether `error`, or an error inside its causes, can be reached again from its own
 * `cause` (`error.cause = error`, or a cause that holds it). V8 writes such an error, then
 * fails to read it back ("Unable to deserialize cloned data"): on a thread the message
 * is lost, in a process the reader throws.
 */
function causeLeadsBack(error: Error): boolean {
  for (const met of reachable(error)) {
    if (met instanceof Error && reachable(readMember(met, 'cause')).has(met)) return true
  }
  return false
}

/**
 * `root` and what a copy opens inside it (arrays, plain objects, Maps, Sets and the
 * causes of errors), walked with a stack of its own.
 */
function reachable(root: unknown): Set<object> {
  const seen = new Set<object>()
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const value = stack.pop()
    if (typeof value !== 'object' || value === null || seen.has(value)) continue
    seen.add(value)
    if (types.isProxy(value)) continue
    if (value instanceof Error) stack.push(readMember(value, 'cause'))
    else if (Array.isArray(value)) {
      const sparse = sparseIndices(value)
      if (sparse === undefined) for (const item of value) stack.push(item)
      else for (const i of sparse) stack.push(value[i])
    } else if (value instanceof Set) for (const item of value) stack.push(item)
    else if (value instanceof Map) for (const [key, item] of value) stack.push(key, item)
    else if (isPlainObject(value))
      for (const key of Object.keys(value)) stack.push(readMember(value, key))
  }
  return seen
}

/** `holder[key]`, or `undefined` where reading it throws (a getter, reported elsewhere). */
function readMember(holder: object, key: string): unknown {
  try {
    return (holder as Record<string, unknown>)[key]
  } catch {
    return undefined
  }
}

/**
 * Whether `object` is an `ArrayBuffer` whose memory was transferred (`postMessage`,
 * `structuredClone` with `transfer`), or a view of one. Node 20 has no `detached` to
 * read: a view cannot be made on such a buffer.
 */
function holdsDetachedBuffer(object: object): boolean {
  const buffer: unknown = ArrayBuffer.isView(object) ? object.buffer : object
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== 0) return false
  const detached = (buffer as { detached?: unknown }).detached
  if (typeof detached === 'boolean') return detached
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}

function isCloneableAsIs(value: object): boolean {
  return (
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer ||
    value instanceof SharedArrayBuffer ||
    ArrayBuffer.isView(value) ||
    value instanceof Error ||
    value instanceof Boolean ||
    value instanceof Number ||
    value instanceof String ||
    value instanceof BigInt ||
    value instanceof Blob
  )
}

/** What a copy of `value` (which it can make) would change, for an `exact` check. */
function changeOf(value: unknown): Omit<CloneProblem, 'path'> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === null) {
    return {
      type: 'an object without a prototype (Object.create(null))',
      reason: 'which a copy gives the prototype of plain objects',
    }
  }
  if (proto === Object.prototype || proto === Array.prototype) {
    // An array's named properties cross when enumerable (`a.scale = 10`), as an object's
    // do; its own keys are listed only when it holds something besides its elements.
    const listed = proto === Object.prototype || holdsMoreThanContent(value, proto)
    const hidden = listed && Object.getOwnPropertySymbols(value).length > 0
    if (hidden || (listed && !allEnumerable(value, proto))) {
      return {
        type: `${proto === Array.prototype ? 'an array' : 'an object'} with symbol keys or properties that are not enumerable`,
        reason: 'which a copy leaves out',
      }
    }
    return undefined
  }
  if (value instanceof Error) {
    if (!ERROR_PROTOTYPES.has(proto)) return { type: describeValue(value) }
    const own = Object.getOwnPropertyNames(value).filter((name) => !ERROR_OWN.has(name))
    if (own.length > 0) {
      return {
        type: `an error with properties of its own (${own.join(', ')})`,
        reason: 'which a copy leaves out',
      }
    }
    return undefined
  }
  if (!BUILT_IN_PROTOTYPES.has(proto)) return { type: describeValue(value) }
  // A copy makes a Map, a Date, a typed array... of its content alone.
  if (holdsMoreThanContent(value, proto)) {
    const kind = describeValue(value)
    return proto === RegExp.prototype && (value as RegExp).lastIndex !== 0
      ? {
          type: `${kind} part way through its matches (lastIndex ${(value as RegExp).lastIndex})`,
          reason: 'which a copy starts again from 0',
        }
      : { type: `${kind} with properties of its own`, reason: 'which a copy leaves out' }
  }
  return undefined
}

/** Whether every own property of `value` but an array's `length` is enumerable. */
function allEnumerable(value: object, proto: unknown): boolean {
  const hidden = proto === Array.prototype ? 1 : 0
  return Object.getOwnPropertyNames(value).length - hidden === Object.keys(value).length
}

/** The errors whose kind a copy keeps; a copy keeps their message, stack and cause. */
const ERROR_PROTOTYPES = new Set<unknown>(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map(
    (kind): unknown => kind.prototype,
  ),
)
const ERROR_OWN = new Set(['message', 'stack', 'cause'])

/** The built-in kinds a copy makes again as they were (Buffer among them, in Node). */
const BUILT_IN_PROTOTYPES = new Set<unknown>(
  [
    ...BINARY_VIEWS,
    Buffer,
    Map,
    Set,
    Date,
    RegExp,
    ArrayBuffer,
    SharedArrayBuffer,
    Boolean,
    Number,
    String,
    BigInt,
    Blob,
  ].map((kind): unknown => kind.prototype),
)
