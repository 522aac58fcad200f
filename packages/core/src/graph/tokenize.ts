import { createHash } from 'node:crypto'
import { inspect, types } from 'node:util'
import type { Delayed } from '../lazy/delayed.js'
import type { AnyFunction } from '../types.js'
import { isDelayed } from '../lazy/is-delayed.js'
import { BINARY_VIEWS } from '../binary-views.js'
import { sparseIndices } from '../sparse-arrays.js'
import { FEW_ELEMENTS, hasExtras, PROBE } from '../array-extras.js'
import { isNested } from '../lazy/lazy-args.js'
import { originOf } from '../origin.js'
import { hash128, hashState, type HashState } from './hash.js'

/**
 * A deterministic text token of a value's content, as Dask's `tokenize`: equal content
 * gives equal tokens. `Delayed` values stand for their key. Functions, symbols and class
 * instances we cannot read stand for their identity (a per-process id), which never
 * merges two things that might differ.
 */
export function tokenize(value: unknown): string {
  // Data is often a flat list (see `flatToken`): written without the general writer's
  // bookkeeping.
  if (!types.isProxy(value) && Array.isArray(value)) {
    const flat = flatToken(value, BY_KEY, false)
    if (flat !== undefined) return flat.length === 1 ? flat[0]! : flat.join('')
  }
  const writer = new TokenWriter()
  writer.write(value)
  return writer.out.join('')
}

/**
 * `tokenize` of the arguments a task recorded (`recordArgs`), when they are a flat list
 * (see `flatToken`): plain values, lists of them and `Delayed` values, whose token reads
 * the same in every process but for the keys of the `Delayed` values. Most tasks'
 * arguments are, and every pure call is keyed by its arguments' token: written without
 * the general writer's bookkeeping. `undefined` for any other arguments.
 */
export function flatArgsToken(args: readonly unknown[]): string | undefined {
  const flat = flatToken(args, BY_KEY, true)
  return flat === undefined ? undefined : flat.length === 1 ? flat[0]! : flat.join('')
}

/**
 * `tokenize` of the arguments a task recorded that are not a flat list, by the general
 * writer: a list taskgraph made, of nothing but its elements, which is not looked over
 * for other properties.
 */
export function writtenArgsToken(args: readonly unknown[]): string {
  const writer = new TokenWriter()
  writer.write(args, true)
  return writer.out.join('')
}

/** What `tokenize` makes of a `Delayed`: its key, as `TokenWriter` does without parts. */
const BY_KEY: StableTokenParts = { keyOf: (delayed) => delayed.key }

/** What stands for `Delayed` values and functions in a `stableToken`. */
export interface StableTokenParts {
  /** What a `Delayed` stands for. */
  readonly keyOf: (delayed: Delayed) => string
  /** What a function stands for, or `undefined` if nothing can name it across processes. */
  readonly functionToken?: (fn: AnyFunction) => string | undefined
}

/**
 * A token of `value` that means the same in every process, for keys that outlive one (a
 * persistent cache's): `Delayed` values and functions stand for what `parts` gives them.
 * `undefined` if the value holds anything `tokenize` identifies by reference (a
 * function `parts` cannot name, a symbol, a class instance, data nested too deep),
 * which no other process could match.
 */
export function stableToken(value: unknown, parts: StableTokenParts): string | undefined {
  const chunks = stableTokenChunks(value, parts)
  return chunks === undefined ? undefined : chunks.length === 1 ? chunks[0] : chunks.join('')
}

/**
 * `stableToken`, in consecutive pieces of a few KiB. The token of a task taking 10,000
 * results is a megabyte: V8 builds one string that long by `+=` slowly, and hashes it
 * slowly, while pieces go to a hash one by one (see the cache's content keys).
 * `recorded`: `value` is the arguments a task recorded (see `flatArgsToken`).
 */
export function stableTokenChunks(
  value: unknown,
  parts: StableTokenParts,
  recorded = false,
): readonly string[] | undefined {
  if ((recorded || !types.isProxy(value)) && Array.isArray(value)) {
    const flat = flatToken(value, parts, recorded)
    if (flat !== undefined) return flat
  }
  const writer = new TokenWriter(parts)
  writer.write(value, recorded)
  return writer.unstable ? undefined : [writer.out.join('')]
}

/** Characters past which a token's piece is left as it is and a new one begun. */
const CHUNK_CHARS = 8192

/**
 * The token of an array of strings, numbers, booleans, bigints, `null`, `undefined`,
 * `Delayed` values and lists of those (a task taking a list of results: a sum, a
 * concat), exactly as a `TokenWriter` writes it, without one, in pieces: most tasks'
 * arguments are such a list, and a cache keys every task of a graph. `undefined` for
 * anything else, and for a list met twice (the writer writes a back-reference): left to
 * the writer.
 */
function flatToken(
  values: readonly unknown[],
  parts: StableTokenParts,
  recorded: boolean,
): readonly string[] | undefined {
  if (Object.getPrototypeOf(values) !== Array.prototype) return undefined
  // An array mostly of holes is left to the writer, which writes its elements alone; so
  // is a frozen or sealed one, which it marks so.
  if (sparseIndices(values) !== undefined) return undefined
  if (!recorded && !Object.isExtensible(values)) return undefined
  if (values.length <= FEW_ITEMS) {
    const few = fewItemsToken(values, parts, recorded)
    if (few !== LONGER) return few
  }
  const chunks: string[] = []
  // Each piece is the join of its items, not grown by `+=`: a string grown so is a tree
  // of the strings added, which a hash reads slowly, flattening it first. The token of a
  // task taking 10,000 results (850 KB) took 21-25 ms to make and hash so, 10-12 ms joined.
  let piece: string[] = ['[']
  let chars = 1
  let lists: unknown[] | undefined
  for (let i = 0; i < values.length; i++) {
    if (chars > CHUNK_CHARS) {
      chunks.push(piece.join(''))
      piece = []
      chars = 0
    }
    const value = values[i]
    if (value === undefined && !(i in values)) {
      piece.push('h,')
      chars += 2
      continue
    }
    if (typeof value !== 'object' || value === null || isDelayed(value)) {
      const item = flatItem(value, parts)
      if (item === undefined) return undefined
      piece.push(item)
      chars += item.length
      continue
    }
    if (types.isProxy(value)) return undefined
    // A list inside: recorded (`Nested`) if it holds a `Delayed`, else as it was passed.
    const list = isNested(value) ? value.value : value
    if (!Array.isArray(list) || Object.getPrototypeOf(list) !== Array.prototype) return undefined
    if (sparseIndices(list) !== undefined || !Object.isExtensible(list)) return undefined
    lists ??= [values]
    if (lists.includes(list) || lists.length > MAX_FLAT_LISTS) return undefined
    lists.push(list)
    piece.push('[')
    chars++
    for (let j = 0; j < list.length; j++) {
      if (chars > CHUNK_CHARS) {
        chunks.push(piece.join(''))
        piece = []
        chars = 0
      }
      const value: unknown = list[j]
      const item = value === undefined && !(j in list) ? 'h,' : flatItem(value, parts)
      if (item === undefined) return undefined
      piece.push(item)
      chars += item.length
    }
    if (hasExtras(list)) return undefined
    piece.push('],')
    chars += 2
  }
  if (!recorded && hasExtras(values)) return undefined
  piece.push(']')
  chunks.push(piece.join(''))
  return chunks
}

/** Items a list may have to be written by `fewItemsToken`. */
const FEW_ITEMS = 8
/** What `fewItemsToken` returns for a list holding a list: `flatToken` writes it. */
const LONGER: readonly string[] = []

/**
 * `flatToken` of a list of a few items, none a list: most tasks' arguments. A short token
 * is made faster by `+=` than by a join, and read as fast.
 */
function fewItemsToken(
  values: readonly unknown[],
  parts: StableTokenParts,
  recorded: boolean,
): readonly string[] | undefined {
  let token = '['
  for (let i = 0; i < values.length; i++) {
    const value = values[i]
    if (value === undefined && !(i in values)) token += 'h,'
    else if (typeof value !== 'object' || value === null || isDelayed(value)) {
      const item = flatItem(value, parts)
      if (item === undefined) return undefined
      token += item
    } else return LONGER
  }
  if (!recorded && hasExtras(values)) return undefined
  return [`${token}]`]
}

// Lists inside one list of arguments that `flatToken` writes (it checks each against the
// ones before): more are left to the writer, which keeps them in a map.
const MAX_FLAT_LISTS = 16

/** One item of a flat list, with its comma, as a `TokenWriter` writes it; else `undefined`. */
function flatItem(value: unknown, parts: StableTokenParts): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value.length}:${value},`
    case 'number':
      return `n${Object.is(value, -0) ? '-0' : String(value)};,`
    case 'boolean':
      return value ? 'T,' : 'F,'
    case 'undefined':
      return 'u,'
    case 'bigint':
      return `b${value.toString()};,`
    case 'object': {
      if (value === null) return 'z,'
      if (!isDelayed(value)) return undefined
      const key = parts.keyOf(value)
      return `d${key.length}:${key},`
    }
    default:
      return undefined
  }
}

const identities = new WeakMap<object, number>()
const symbolIds = new Map<symbol, number>()
let nextIdentity = 0

/** What names a task's function in its key (see `functionToken`). */
export interface FunctionToken {
  readonly token: string
  /** `token` read by the key's hash: what each of its tasks' keys starts from. */
  readonly state: HashState
  /** Named by its origin: the same in every process that loads its module. */
  readonly portable: boolean
}

const functionTokens = new WeakMap<AnyFunction, FunctionToken>()

/**
 * What names a task's function in its key. A function a module's top-level code made is
 * named by where (its origin: the module, its name, which of that name), so the key of a
 * call of it is the same in every process that loads the module (see
 * `LazyNode.portable`); any other function by a per-process id. Fixed at first use: a
 * function's tasks made before and after agree.
 */
export function functionToken(fn: AnyFunction): FunctionToken {
  let named = functionTokens.get(fn)
  if (named === undefined) {
    const origin = originOf(fn)
    const token =
      origin === undefined
        ? identityToken(fn)
        : `@${hash128(`${origin.url}\0${origin.name}\0${origin.occurrence}`)}`
    named = { token, state: hashState(token), portable: origin !== undefined }
    functionTokens.set(fn, named)
  }
  return named
}

/** A per-process id for an object, assigned on first use (so stable run to run). */
export function identityToken(value: object): string {
  let id = identities.get(value)
  if (id === undefined) {
    id = ++nextIdentity
    identities.set(value, id)
  }
  return `#${id}`
}

const MAX_DEPTH = 64

/**
 * Writes tokens. Each container is written once: meeting it again (shared data, or a
 * cycle) writes a back-reference to its first visit, so the token of data shaped like a
 * DAG or a doubly linked list costs its size, not the number of paths through it.
 * Equal tokens still mean equal content, sharing included.
 */
class TokenWriter {
  readonly out: string[] = []
  /** Whether a token of identity was written (see `stableToken`). */
  unstable = false
  private readonly visited = new Map<object, number>()
  private depth = 0

  /** `parts`: what `Delayed` values and functions stand for; keys and identities by default. */
  constructor(private readonly parts?: StableTokenParts) {}

  /** A per-process id of `value`, which makes the token unstable. */
  private identity(value: object): string {
    this.unstable = true
    return identityToken(value)
  }

  /** `recorded`: `value` is the arguments a task recorded (see `flatArgsToken`). */
  write(value: unknown, recorded = false): void {
    if (recorded) {
      this.visited.set(value as object, 0)
      this.depth++
      this.writeArray(value as unknown[])
      this.depth--
      return
    }
    const out = this.out
    switch (typeof value) {
      case 'string':
        out.push('s', String(value.length), ':', value)
        return
      case 'number':
        out.push('n', Object.is(value, -0) ? '-0' : String(value), ';')
        return
      case 'bigint':
        out.push('b', value.toString(), ';')
        return
      case 'boolean':
        out.push(value ? 'T' : 'F')
        return
      case 'undefined':
        out.push('u')
        return
      case 'symbol': {
        this.unstable = true
        let id = symbolIds.get(value)
        if (id === undefined) {
          id = ++nextIdentity
          symbolIds.set(value, id)
        }
        out.push('y', String(id), ';')
        return
      }
      case 'function': {
        const token = this.parts?.functionToken?.(value as AnyFunction)
        out.push('f', token ?? this.identity(value), ';')
        return
      }
      default:
        this.writeObject(value as object | null)
    }
  }

  private writeObject(value: object | null): void {
    const out = this.out
    if (value === null) {
      out.push('z')
      return
    }
    if (isDelayed(value)) {
      const key = this.parts === undefined ? value.key : this.parts.keyOf(value)
      out.push('d', String(key.length), ':', key)
      return
    }
    if (isNested(value)) {
      this.write(value.value)
      return
    }
    const visit = this.visited.get(value)
    if (visit !== undefined) {
      out.push('^', String(visit), ';')
      return
    }
    // Deep data is identified by reference below this depth; so is a Proxy, whose content
    // is whatever its traps answer at each read (and a revoked one answers nothing).
    if (this.depth > MAX_DEPTH || types.isProxy(value)) {
      out.push('o', this.identity(value), ';')
      return
    }
    this.visited.set(value, this.visited.size)
    this.depth++
    this.writeContent(value)
    this.depth--
  }

  private writeArray(array: readonly unknown[]): void {
    const out = this.out
    // An array mostly of holes (`items[1e9] = x`): its length and its elements by index,
    // not a token a billion holes long.
    const sparse = sparseIndices(array)
    if (sparse !== undefined) {
      out.push('H', String(array.length), '[')
      for (const i of sparse) {
        out.push(String(i), '=')
        this.write(array[i])
        out.push(',')
      }
      out.push(']')
      return
    }
    out.push('[')
    for (let i = 0; i < array.length; i++) {
      const item = array[i]
      // A hole is not `undefined`: `i in array`, `forEach` and `map` tell them apart.
      if (item === undefined && !(i in array)) out.push('h')
      else this.write(item)
      out.push(',')
    }
    out.push(']')
  }

  private writeContent(value: object): void {
    const out = this.out
    // Only the built-in kinds are read: a subclass's instance (a Map with methods of its
    // own, an Array with more) holds what its content does not say.
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto === Array.prototype) {
      const array = value as unknown[]
      if (hasExtras(array)) out.push('o', this.identity(value), ';')
      else {
        if (!Object.isExtensible(array)) out.push(lockedMark(array))
        this.writeArray(array)
      }
      return
    }
    if (proto === Object.prototype || proto === null) {
      const record = value as Record<string, unknown>
      const keys = Object.keys(record)
      // Symbol keys and properties that are not enumerable are invisible to the keys
      // written (and to a copy): such an object is identified by reference.
      if (
        Object.getOwnPropertyNames(record).length !== keys.length ||
        Object.getOwnPropertySymbols(record).length !== 0
      ) {
        out.push('o', this.identity(value), ';')
        return
      }
      // In one process, two objects of the same entries are one value, in any order (as
      // Dask's tokenize has it). Across processes (a cache's key), their order counts:
      // what iterates them (JSON.stringify, Object.keys) tells them apart.
      if (this.parts === undefined) keys.sort()
      if (!Object.isExtensible(record)) out.push(lockedMark(record))
      out.push(proto === null ? 'N{' : '{')
      for (const key of keys) {
        out.push('s', String(key.length), ':', key, '=')
        this.write(record[key])
        out.push(',')
      }
      out.push('}')
      return
    }
    // What else a built-in kind holds (`map.scale = 10`, a regular expression's position
    // for its next match) is not written: such a value is identified by reference.
    if (SINGLE_KINDS.has(proto) && Reflect.ownKeys(value).length !== 0) {
      out.push('o', this.identity(value), ';')
      return
    }
    if (proto === Date.prototype) {
      out.push('D', String((value as Date).getTime()), ';')
      return
    }
    if (proto === RegExp.prototype && !movedOn(value)) {
      const pattern = value as RegExp
      out.push('R', `/${pattern.source}/${pattern.flags}`, ';')
      return
    }
    if (proto === Map.prototype) {
      out.push('M[')
      for (const [k, v] of value as Map<unknown, unknown>) {
        this.write(k)
        out.push('=')
        this.write(v)
        out.push(',')
      }
      out.push(']')
      return
    }
    if (proto === Set.prototype) {
      out.push('S[')
      for (const v of value as Set<unknown>) {
        this.write(v)
        out.push(',')
      }
      out.push(']')
      return
    }
    if (VIEW_KINDS.has(proto)) {
      const view = value as ArrayBufferView
      if (!(view.buffer instanceof SharedArrayBuffer) && !viewHasExtras(view, proto)) {
        out.push('A', view.constructor.name, ':')
        writeBytes(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), out)
        return
      }
    }
    if (proto === ArrayBuffer.prototype) {
      out.push('A', 'ArrayBuffer:')
      writeBytes(new Uint8Array(value as ArrayBuffer), out)
      return
    }
    // Class instances, shared memory, errors, promises: their content is private or may
    // change under us, so they are identified by reference.
    out.push('o', this.identity(value), ';')
  }
}

/**
 * What marks a plain object or an array that cannot be extended: frozen, sealed, or
 * only closed to new properties. A task can tell it from its unfrozen twin
 * (`Object.isFrozen`, a write that throws in strict code), and the call passes it as it
 * is, where the twin is copied: the two are not one value.
 */
function lockedMark(value: object): string {
  return Object.isFrozen(value) ? '!f' : Object.isSealed(value) ? '!s' : '!x'
}

/** The built-in views of binary data, whose content is their bytes, by prototype. */
const VIEW_KINDS = new Map<unknown, (typeof BINARY_VIEWS)[number] | typeof Buffer>(
  [...BINARY_VIEWS, Buffer].map((view) => [view.prototype, view]),
)

/** Built-in kinds whose content is not held in own properties, by prototype. */
const SINGLE_KINDS = new Set<unknown>([
  Date.prototype,
  Map.prototype,
  Set.prototype,
  ArrayBuffer.prototype,
])

/**
 * `hasExtras` for a view of binary data of prototype `proto`: a long one is shown beside
 * a view of the same bytes made afresh, which has nothing else.
 */
function viewHasExtras(view: ArrayBufferView, proto: unknown): boolean {
  const kind = VIEW_KINDS.get(proto)!
  const length = kind === DataView ? 0 : (view as Uint8Array).length
  if (length <= FEW_ELEMENTS) return Reflect.ownKeys(view).length !== length
  let plain: ArrayBufferView
  try {
    plain =
      kind === Buffer
        ? Buffer.from(view.buffer, view.byteOffset, length)
        : new (kind as Uint8ArrayConstructor)(view.buffer, view.byteOffset, length)
  } catch {
    // A view of memory since given away (a transferred buffer): nothing to compare.
    return true
  }
  return inspect(view, PROBE) !== inspect(plain, PROBE)
}

/**
 * Whether `value`, of the built-in kind whose prototype is `proto` (an array, a view of
 * binary data, a Map, a Set, a Date, an ArrayBuffer, a RegExp, a boxed primitive), holds
 * more than its content: own properties besides its elements (`map.scale = 10`, a symbol
 * key), or a regular expression its position for a next match. `false` for other kinds.
 * A long array or view costs a look at its properties other than its elements, not a
 * list of every index.
 */
export function holdsMoreThanContent(value: object, proto: unknown): boolean {
  if (proto === Array.prototype) return hasExtras(value as unknown[])
  if (VIEW_KINDS.has(proto)) return viewHasExtras(value as ArrayBufferView, proto)
  if (proto === RegExp.prototype) return movedOn(value)
  if (SINGLE_KINDS.has(proto) || BOXED.has(proto)) {
    const keys = Reflect.ownKeys(value)
    // A String object's characters and length are its own properties: its content.
    if (proto !== String.prototype) return keys.length !== 0
    return keys.length !== (value as { length: number }).length + 1
  }
  return false
}

/** Boxed primitives (`new Number(1)`), whose value is not held in own properties. */
const BOXED = new Set<unknown>([
  Boolean.prototype,
  Number.prototype,
  String.prototype,
  BigInt.prototype,
])

/** Whether a regular expression holds more than its pattern: a next match's position. */
function movedOn(pattern: object): boolean {
  const keys = Reflect.ownKeys(pattern)
  return keys.length !== 1 || (pattern as RegExp).lastIndex !== 0
}

// Binary data of this many bytes or more is written as its SHA-256. Written out as one
// character per byte, which the key's hash then reads one at a time, a 40 MB typed array
// took 2 s to key here; its SHA-256 takes some 25 ms (OpenSSL's). Which form a token
// holds follows from the length it starts with, so the two never meet.
const DIGEST_FROM = 4096

function writeBytes(bytes: Uint8Array, out: string[]): void {
  if (bytes.length >= DIGEST_FROM) {
    out.push(`${bytes.length}#`, createHash('sha256').update(bytes).digest('base64'))
    return
  }
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  out.push(String(bytes.length), ':', latin1)
}
