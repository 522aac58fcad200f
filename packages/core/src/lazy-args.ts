import { Delayed } from './delayed.js'
import { InvalidArgumentError } from './errors.js'

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
}

const MAX_DEPTH = 2000

/** Is `value` an object literal (or `Object.create(null)`), the only objects we traverse? */
export function isPlainObject(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Records `args` in place: nested containers holding a `Delayed` are replaced by `Nested`
 * copies, and every `Delayed` met is appended to `refs`. Returns whether any argument
 * is `Nested` (otherwise `Delayed` appear only at the top level).
 */
export function recordArgs(args: unknown[], refs: Delayed[], caller: string): boolean {
  let deep = false
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (typeof arg !== 'object' || arg === null) continue
    if (arg instanceof Delayed) {
      refs.push(arg)
      continue
    }
    const recorded = recordValue(arg, refs, [], caller)
    if (recorded !== arg) {
      args[i] = recorded
      deep = true
    }
  }
  return deep
}

function recordValue(value: object, refs: Delayed[], path: object[], caller: string): unknown {
  const isArray = Array.isArray(value)
  if (!isArray && !isPlainObject(value)) return value
  // A container already on the path is a reference cycle in the caller's data: keep it
  // as an opaque value rather than walk it again (along exponentially many paths, for
  // data such as doubly linked lists).
  if (path.includes(value)) return value
  if (path.length > MAX_DEPTH) {
    throw new InvalidArgumentError(
      `${caller}: an argument nests arrays or objects more than ${MAX_DEPTH} levels deep. ` +
        'Flatten the structure, or wrap it with literal() if it holds no Delayed values.',
    )
  }
  path.push(value)
  const before = refs.length
  let result: unknown = value
  if (isArray) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const item = recordItem(value[i], refs, path, caller)
      if (copy === undefined && refs.length !== before) copy = value.slice(0, i)
      copy?.push(item)
    }
    if (copy !== undefined) result = new Nested(copy)
  } else {
    const source = value
    let copy: Record<string, unknown> | undefined
    const keys = Object.keys(source)
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!
      const item = recordItem(source[key], refs, path, caller)
      if (copy === undefined && refs.length !== before) {
        copy = {}
        for (let j = 0; j < i; j++) setOwn(copy, keys[j]!, source[keys[j]!])
      }
      if (copy !== undefined) setOwn(copy, key, item)
    }
    if (copy !== undefined) result = new Nested(copy)
  }
  path.pop()
  return result
}

function recordItem(item: unknown, refs: Delayed[], path: object[], caller: string): unknown {
  if (typeof item !== 'object' || item === null) return item
  if (item instanceof Delayed) {
    refs.push(item)
    return item
  }
  return recordValue(item, refs, path, caller)
}

// Assignment would invoke the `__proto__` setter for a key named "__proto__".
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
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
      out[i] = arg instanceof Delayed ? results[refNodes[k++]!] : arg
    }
    return out
  }
  const cursor = { k: start }
  for (let i = 0; i < args.length; i++) out[i] = resolveValue(args[i], results, refNodes, cursor)
  return out
}

function resolveValue(
  value: unknown,
  results: ArrayLike<unknown>,
  refNodes: Int32Array,
  cursor: { k: number },
): unknown {
  if (value instanceof Delayed) return results[refNodes[cursor.k++]!]
  if (!(value instanceof Nested)) return value
  const inner = value.value
  if (Array.isArray(inner)) {
    const out = new Array<unknown>(inner.length)
    for (let i = 0; i < inner.length; i++) out[i] = resolveValue(inner[i], results, refNodes, cursor)
    return out
  }
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(inner)) {
    setOwn(out, key, resolveValue(inner[key], results, refNodes, cursor))
  }
  return out
}

/** Whether `value` is, or holds in arrays and plain objects, a `Delayed`. */
export function containsDelayed(value: unknown): boolean {
  const refs: Delayed[] = []
  recordArgs([value], refs, 'containsDelayed')
  return refs.length > 0
}
