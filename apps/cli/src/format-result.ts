import { inspect } from 'node:util'
import { checkPrintable } from './printable-result.js'
import { resultJson } from './result-json.js'

/**
 * The result as `taskgraph run` prints it: JSON with `--json` (stdout then holds nothing
 * else), otherwise strings as they are and other values as Node's inspector shows them,
 * whole: no array, string or level of nesting is cut short, since what is printed is
 * often kept in a file or read by another program. A result nested too deeply or holding
 * too much binary data to print is refused instead (printable-result.ts).
 */
export function formatResult(value: unknown, options: { json: boolean; color: boolean }): string {
  checkPrintable(value)
  if (options.json) return `${resultJson(value)}\n`
  if (typeof value === 'string') return value.endsWith('\n') ? value : `${value}\n`
  return `${inspect(value, {
    depth: null,
    colors: options.color,
    maxArrayLength: null,
    maxStringLength: null,
    breakLength: 100,
  })}\n`
}
