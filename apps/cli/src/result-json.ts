import { OutputError } from './cli-errors.js'

/**
 * The result as `taskgraph run --json` prints it.
 * @throws {OutputError} naming where in the result a value is that JSON would not carry
 * as it is: `JSON.stringify` turns a Map, an Error, a RegExp or an ArrayBuffer into `{}`,
 * an invalid Date or NaN into `null`, and drops functions and properties keyed by
 * symbols; printing that would print another result than the one computed.
 */
export function resultJson(value: unknown): string {
  // The path of each object met so far, by the object: the replacer hears only a key.
  const paths = new Map<object, string>()
  function replacer(this: unknown, key: string, value: unknown): unknown {
    const holder = this as Record<string, unknown>
    const path = key === '' ? 'result' : pathOf(paths.get(holder) ?? 'result', holder, key)
    const named = key === '' ? 'the result' : path
    // What the task returned, before its toJSON (a Date's) replaced it, and what its
    // toJSON returned, which JSON writes in its place.
    const returned = holder[key]
    const lossy = lossOf(returned)
    if (lossy !== undefined) throw new LossyValue(`${named} is ${lossy}`)
    if (value !== returned) {
      const written = value === undefined ? 'undefined' : lossOf(value)
      if (written !== undefined) {
        throw new LossyValue(`the toJSON method of ${named} returns ${written}`)
      }
    }
    // An array's undefined is written as null; an object's, left out, reads back the same.
    if (value === undefined && Array.isArray(holder)) {
      throw new LossyValue(`${named} is undefined, which JSON writes as null`)
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      value = Array.from(value as unknown as ArrayLike<number>)
    }
    if (typeof value === 'bigint') throw new LossyValue(`${named} is a BigInt (${value}n)`)
    if (typeof value === 'object' && value !== null) paths.set(value, path)
    return value
  }
  try {
    return JSON.stringify(value === undefined ? null : value, replacer, 2)
  } catch (error) {
    // Called from formatResult, which says so in its own words.
    if (error instanceof RangeError && error.message === 'Invalid string length') throw error
    const why = error instanceof LossyValue ? error.message : (error as Error).message
    throw new OutputError({
      message: `taskgraph run --json: the result has no JSON form (${why}); return plain objects, arrays, strings, numbers and booleans, or drop --json`,
      cause: error,
    })
  }
}

/** Why a value would not come out of JSON as it went in; `undefined` when it would. */
function lossOf(value: unknown): string | undefined {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : String(value)
  if (typeof value !== 'object' || value === null) return undefined
  // An object that says how it is written as JSON is taken at its word.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return value instanceof Date && Number.isNaN(value.getTime()) ? 'an invalid Date' : undefined
  }
  if (value instanceof Error) return `an error (${value.name}: ${value.message})`
  if (value instanceof Symbol) return 'a symbol in an object (Object(symbol))'
  if (value instanceof BigInt) return `a BigInt in an object (Object(${String(value)}n))`
  for (const kind of KINDS_WITHOUT_JSON) {
    if (value instanceof kind) return `${/^[AEIOU]/.test(kind.name) ? 'an' : 'a'} ${kind.name}`
  }
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) {
      return `${Array.isArray(value) ? 'an array' : 'an object'} with a property keyed by ${String(symbol)}`
    }
  }
  return undefined
}

/** Built-in kinds whose content JSON.stringify does not see: each is written as `{}`. */
const KINDS_WITHOUT_JSON: readonly (abstract new (...args: never[]) => object)[] = [
  Map,
  Set,
  WeakMap,
  WeakSet,
  RegExp,
  ArrayBuffer,
  SharedArrayBuffer,
  DataView,
  Promise,
  WeakRef,
]

/** `parent.key` or `parent[index]`, as a reader of the result would reach the value. */
function pathOf(parent: string, holder: unknown, key: string): string {
  if (Array.isArray(holder)) return `${parent}[${key}]`
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`
}

/** A value the replacer refused; its message says where and what it is. */
class LossyValue extends Error {}
