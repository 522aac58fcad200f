import { Delayed } from './delayed.js'
import { isPlainObject, Nested } from './lazy-args.js'

/**
 * A deterministic text token of a value's content, as Dask's `tokenize`: equal content
 * gives equal tokens. `Delayed` values stand for their key. Functions, symbols and class
 * instances we cannot read stand for their identity (a per-process id), which never
 * merges two things that might differ.
 */
export function tokenize(value: unknown): string {
  const out: string[] = []
  write(value, out, [])
  return out.join('')
}

const identities = new WeakMap<object, number>()
const symbolIds = new Map<symbol, number>()
let nextIdentity = 0

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

function write(value: unknown, out: string[], path: object[]): void {
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
      let id = symbolIds.get(value)
      if (id === undefined) {
        id = ++nextIdentity
        symbolIds.set(value, id)
      }
      out.push('y', String(id), ';')
      return
    }
    case 'function':
      out.push('f', identityToken(value), ';')
      return
    default:
      writeObject(value as object | null, out, path)
  }
}

/** `path` holds the containers being written, outermost first. */
function writeObject(value: object | null, out: string[], path: object[]): void {
  if (value === null) {
    out.push('z')
    return
  }
  if (value instanceof Delayed) {
    out.push('d', String(value.key.length), ':', value.key)
    return
  }
  if (value instanceof Nested) {
    write(value.value, out, path)
    return
  }
  // A container already being written closes a cycle: refer back to it by position,
  // or data such as doubly linked lists would be walked along exponentially many paths.
  const cycleAt = path.indexOf(value)
  if (cycleAt !== -1) {
    out.push('^', String(cycleAt), ';')
    return
  }
  // Deep data is identified by reference below this depth.
  if (path.length > MAX_DEPTH) {
    out.push('o', identityToken(value), ';')
    return
  }
  path.push(value)
  writeContent(value, out, path)
  path.pop()
}

function writeContent(value: object, out: string[], path: object[]): void {
  if (Array.isArray(value)) {
    out.push('[')
    for (let i = 0; i < value.length; i++) {
      write(value[i], out, path)
      out.push(',')
    }
    out.push(']')
    return
  }
  if (isPlainObject(value)) {
    out.push('{')
    for (const key of Object.keys(value).sort()) {
      out.push('s', String(key.length), ':', key, '=')
      write(value[key], out, path)
      out.push(',')
    }
    out.push('}')
    return
  }
  if (value instanceof Date) {
    out.push('D', String(value.getTime()), ';')
    return
  }
  if (value instanceof RegExp) {
    out.push('R', String(value), ';')
    return
  }
  if (value instanceof Map) {
    out.push('M[')
    for (const [k, v] of value) {
      write(k, out, path)
      out.push('=')
      write(v, out, path)
      out.push(',')
    }
    out.push(']')
    return
  }
  if (value instanceof Set) {
    out.push('S[')
    for (const v of value as Set<unknown>) {
      write(v, out, path)
      out.push(',')
    }
    out.push(']')
    return
  }
  if (ArrayBuffer.isView(value) && !(value.buffer instanceof SharedArrayBuffer)) {
    out.push('A', value.constructor.name, ':')
    writeBytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), out)
    return
  }
  if (value instanceof ArrayBuffer) {
    out.push('A', 'ArrayBuffer:')
    writeBytes(new Uint8Array(value), out)
    return
  }
  // Class instances, shared memory, errors, promises: their content is private or may
  // change under us, so they are identified by reference.
  out.push('o', identityToken(value), ';')
}

function writeBytes(bytes: Uint8Array, out: string[]): void {
  out.push(String(bytes.length), ':')
  const CHUNK = 8192
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out.push(String.fromCharCode(...bytes.subarray(i, i + CHUNK)))
  }
}
