import { inspect } from 'node:util'
import { OutputError } from './cli-errors.js'
import { checkPrintable } from './printable-result.js'
import { resultJson } from './result-json.js'

/**
 * The result as `taskgraph run` prints it, in the pieces to write: JSON with `--json`
 * (stdout then holds nothing else), otherwise strings as they are and other values as
 * Node's inspector shows them, whole: no array, string or level of nesting is cut short,
 * since what is printed is often kept in a file or read by another program. A string is
 * written apart from its line's end, which, joined to it, could make a string longer than
 * V8 holds. A result nested too deeply or holding too much binary data to print is
 * refused instead (printable-result.ts).
 * @throws {OutputError} for a result that cannot be printed: too deep, too much binary
 * data, text longer than V8 holds in one string, or a value that throws as it is read (a
 * revoked Proxy, an inspection of its own that throws)
 */
export function formatResult(value: unknown, options: { json: boolean; color: boolean }): string[] {
  try {
    checkPrintable(value)
    if (options.json) return [resultJson(value), '\n']
    if (typeof value === 'string') return value.endsWith('\n') ? [value] : [value, '\n']
    const text = inspect(value, {
      depth: null,
      colors: options.color,
      maxArrayLength: null,
      maxStringLength: null,
      breakLength: 100,
    })
    return [text, '\n']
  } catch (error) {
    if (error instanceof OutputError) throw error
    throw new OutputError({
      message: `taskgraph run: could not print the result: ${tooLong(error) ? 'as text it is longer than the longest string Node holds (about 512 MB)' : `reading it threw ${errorLine(error)}`}; return a smaller or plainer value, or write it to a file from a task and return the path`,
      cause: error,
    })
  }
}

/** Whether `error` is V8's refusal to make a string longer than it holds. */
function tooLong(error: unknown): boolean {
  return error instanceof RangeError && error.message === 'Invalid string length'
}

function errorLine(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.split('\n')[0]}`
  return String(error)
}
