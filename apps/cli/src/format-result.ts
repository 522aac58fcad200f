import { inspect } from 'node:util'
import { OutputError } from './cli-errors.js'

/**
 * The result as `taskgraph run` prints it: JSON with `--json` (stdout then holds nothing
 * else), otherwise strings as they are and other values as Node's inspector shows them,
 * whole: no array, string or level of nesting is cut short, since what is printed is
 * often kept in a file or read by another program.
 */
export function formatResult(value: unknown, options: { json: boolean; color: boolean }): string {
  if (options.json) return `${toJson(value)}\n`
  if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`
  return `${inspect(value, {
    depth: null,
    colors: options.color,
    maxArrayLength: null,
    maxStringLength: null,
    breakLength: 100,
  })}\n`
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value, rejectLossy, 2)
  } catch (error) {
    throw new OutputError({
      message: `the result has no JSON form (${(error as Error).message}); return plain objects, arrays, strings, numbers and booleans, or drop --json`,
      cause: error,
    })
  }
}

// JSON.stringify turns these into `{}` or drops them silently; refuse instead of
// printing a result that is not the one computed.
function rejectLossy(this: unknown, key: string, value: unknown): unknown {
  const where = key === '' ? 'the result' : `key ${JSON.stringify(key)}`
  if (value instanceof Map || value instanceof Set) {
    throw new Error(`${where} is a ${value.constructor.name}`)
  }
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new Error(`${where} is a ${typeof value}`)
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${where} is ${value}`)
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number>)
  return value
}
